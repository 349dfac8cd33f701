package io.meshflow.workflow;

/**
 * A node that runs a plain Java function on its input. Deterministic: its steps have uncertainty 0 and use no tokens.
 *
 * @param id the node's id
 * @param function the function
 */
public record FunctionNode(String id, StepFunction function) implements Node {
    @Override
    public String type() {
        return "function";
    }

    @Override
    public NodeResult execute(NodeContext context) throws Exception {
        return NodeResult.of(function.apply(context.input(), context));
    }
}
