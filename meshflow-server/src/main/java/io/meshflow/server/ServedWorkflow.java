package io.meshflow.server;

import io.meshflow.provider.LlmProvider;
import io.meshflow.workflow.WorkflowDefinition;
import org.jspecify.annotations.Nullable;

/**
 * A workflow the server runs by name.
 *
 * @param workflow the workflow; its name is what requests give as {@code workflow}
 * @param provider the provider of its agents that have none of their own
 * @param task the task used when a request gives none, or {@code null}
 */
public record ServedWorkflow(
        WorkflowDefinition workflow,
        LlmProvider provider,
        @Nullable String task) {
    /** The workflow's name. */
    public String name() {
        return workflow.name();
    }
}
