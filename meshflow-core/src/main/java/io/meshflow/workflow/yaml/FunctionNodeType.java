package io.meshflow.workflow.yaml;

import io.meshflow.ValidationException;
import io.meshflow.workflow.FunctionNode;
import io.meshflow.workflow.Node;
import io.meshflow.workflow.NodeFactoryContext;
import io.meshflow.workflow.NodeSpec;
import io.meshflow.workflow.StepFunction;
import java.util.List;
import java.util.Optional;

/**
 * The {@code function} node type: {@code function: <name>} names a function registered with the loader, a built-in
 * ({@code identity}, {@code join_inputs}) or a class implementing {@link StepFunction} with a public no-argument
 * constructor; the node becomes a {@link FunctionNode}. Registered with {@link java.util.ServiceLoader}.
 */
public final class FunctionNodeType implements BuiltinNodeType {
    /** Creates the type; {@link java.util.ServiceLoader} needs a public no-argument constructor. */
    public FunctionNodeType() {}

    /** Returns {@code function}. */
    @Override
    public String name() {
        return "function";
    }

    /**
     * Creates a {@link FunctionNode} running the named function.
     *
     * @throws ValidationException when {@code function:} is missing or names no known function or usable class
     */
    @Override
    public Node create(NodeSpec spec, NodeFactoryContext context) {
        String name = BuiltinNodeType.requiredText(
                spec, "function", "the name of a registered or built-in function, or a StepFunction class name");
        Optional<StepFunction> function = context.function(name);
        if (function.isEmpty()) {
            List<String> known = context instanceof FileContext file ? List.copyOf(file.functionNames()) : List.of();
            throw new ValidationException(spec.location() + ": node '" + spec.id() + "': unknown function '" + name
                    + "'" + Spelling.didYouMean(name, known) + BuiltinNodeType.known("functions", context, false)
                    + "; or give the class name of a " + StepFunction.class.getName());
        }
        return new FunctionNode(spec.id(), function.get());
    }

    /** Returns the one setting of this type, {@code function}. */
    @Override
    public List<String> keys() {
        return List.of("function");
    }
}
