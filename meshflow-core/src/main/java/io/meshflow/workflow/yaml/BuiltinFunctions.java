package io.meshflow.workflow.yaml;

import io.meshflow.workflow.NodeContext;
import io.meshflow.workflow.StepFunction;
import java.util.Map;

/** Step functions every workflow file can name without registering them. */
final class BuiltinFunctions {
    /** The built-ins by name. */
    static final Map<String, StepFunction> ALL =
            Map.of("identity", (input, context) -> input, "join_inputs", BuiltinFunctions::joinInputs);

    private BuiltinFunctions() {}

    /**
     * Each input labelled with the node it came from, in edge order, separated by blank lines; the node's input (the
     * task) when it has none.
     */
    static String joinInputs(String input, NodeContext context) {
        Map<String, String> inputs = context.inputs();
        if (inputs.isEmpty()) {
            return input;
        }
        StringBuilder joined = new StringBuilder();
        inputs.forEach((source, output) -> {
            if (!joined.isEmpty()) {
                joined.append("\n\n");
            }
            joined.append("Output of ").append(source).append(":\n").append(output);
        });
        return joined.toString();
    }
}
