package io.meshflow.workflow.yaml;

import io.meshflow.ValidationException;
import io.meshflow.workflow.Node;
import io.meshflow.workflow.NodeFactoryContext;
import io.meshflow.workflow.NodeSpec;
import io.meshflow.workflow.WorkflowNode;
import java.util.List;

/**
 * The {@code workflow} node type: {@code workflow: <path>} includes another workflow file, relative to the directory
 * of the including file and inside it; the node becomes a {@link WorkflowNode}. Registered with
 * {@link java.util.ServiceLoader}.
 */
public final class WorkflowNodeType implements BuiltinNodeType {
    /** Creates the type; {@link java.util.ServiceLoader} needs a public no-argument constructor. */
    public WorkflowNodeType() {}

    /** Returns {@code workflow}. */
    @Override
    public String name() {
        return "workflow";
    }

    /**
     * Loads the included file and creates a {@link WorkflowNode} running it.
     *
     * @throws ValidationException when {@code workflow:} is missing, leaves the directory, does not exist, is part of
     *     an include cycle, or the included file is invalid (its own problems are listed)
     */
    @Override
    public Node create(NodeSpec spec, NodeFactoryContext context) {
        String path = BuiltinNodeType.requiredText(
                spec, "workflow", "the path of a workflow file, relative to this file's directory");
        return new WorkflowNode(spec.id(), context.workflow(path));
    }

    /** Returns the one setting of this type, {@code workflow}. */
    @Override
    public List<String> keys() {
        return List.of("workflow");
    }
}
