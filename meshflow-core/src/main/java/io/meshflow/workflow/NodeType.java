package io.meshflow.workflow;

/**
 * A kind of node that workflow files can name with {@code type:}. Built in: {@code agent}, {@code function} and
 * {@code workflow}. Modules add kinds (RAG, human approval, ...) by registering an implementation with
 * {@link java.util.ServiceLoader} under {@code META-INF/services/io.meshflow.workflow.NodeType}; the engine needs no
 * change.
 */
public interface NodeType {
    /** The name used in {@code type:}. */
    String name();

    /**
     * Creates a node from its declaration.
     *
     * @throws io.meshflow.ValidationException naming the node and the setting that is wrong
     */
    Node create(NodeSpec spec, NodeFactoryContext context);
}
