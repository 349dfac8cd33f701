package io.meshflow.workflow;

/**
 * A node that runs another workflow inside the same run. The sub-workflow's steps are recorded and counted like any
 * other, and its events (token deltas included) reach the run's consumers with this node at the head of their path.
 * The node's output is the sub-workflow's output; its own step uses no tokens (its children account for them).
 *
 * @param id the node's id
 * @param workflow the workflow to run
 */
public record WorkflowNode(String id, WorkflowDefinition workflow) implements Node {
    @Override
    public String type() {
        return "workflow";
    }

    @Override
    public NodeResult execute(NodeContext context) {
        return NodeResult.of(context.runWorkflow(workflow, context.input()));
    }
}
