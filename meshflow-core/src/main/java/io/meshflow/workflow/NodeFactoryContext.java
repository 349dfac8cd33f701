package io.meshflow.workflow;

import io.meshflow.agent.Agent;
import java.util.Optional;

/** What a {@link NodeType} may look up while creating a node from a workflow file. */
public interface NodeFactoryContext {
    /** An agent declared in the same file. */
    Optional<Agent> agent(String id);

    /** A step function registered with the loader, or a class implementing {@link StepFunction}. */
    Optional<StepFunction> function(String name);

    /**
     * Loads another workflow file, relative to the directory of the file being loaded.
     *
     * @throws io.meshflow.ValidationException when the path leaves that directory, does not exist, or is invalid
     */
    WorkflowDefinition workflow(String relativePath);

    /**
     * The directory of the file being loaded, for node types that read files relative to it (such as {@code rag}'s
     * {@code sources:}); empty when the workflow was loaded from text.
     */
    default Optional<java.nio.file.Path> directory() {
        return Optional.empty();
    }
}
