package io.meshflow.workflow.yaml;

import io.meshflow.ValidationException;
import io.meshflow.workflow.FunctionNode;
import io.meshflow.workflow.Node;
import io.meshflow.workflow.NodeFactoryContext;
import io.meshflow.workflow.NodeSpec;
import io.meshflow.workflow.NodeType;
import java.util.Locale;

/** A node type registered through ServiceLoader in test resources, as another module would add one. */
public final class UpperNodeType implements NodeType {
    /** Created by ServiceLoader. */
    public UpperNodeType() {}

    @Override
    public String name() {
        return "upper";
    }

    @Override
    public Node create(NodeSpec spec, NodeFactoryContext context) {
        for (String key : spec.settings().keySet()) {
            if (!key.equals("suffix")) {
                throw new ValidationException("node '" + spec.id() + "': type upper has no setting '" + key + "'");
            }
        }
        String suffix = String.valueOf(spec.settings().getOrDefault("suffix", ""));
        return new FunctionNode(spec.id(), (input, ctx) -> input.toUpperCase(Locale.ROOT) + suffix);
    }
}
