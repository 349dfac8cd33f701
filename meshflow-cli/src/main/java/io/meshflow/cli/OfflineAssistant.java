package io.meshflow.cli;

import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.WorkflowDefinition;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What {@code meshflow run --task "..."} runs when no workflow file is given: a one-agent team, {@code assistant},
 * answered by the offline scripted model. The reply says plainly that it is canned and echoes the task, so that a
 * first run works without keys or network and nobody mistakes it for a real answer.
 */
final class OfflineAssistant {
    /** The agent's id, and the workflow's name. */
    static final String AGENT_ID = "assistant";

    /** The scripted reply; {@code {{input}}} becomes the task. */
    static final String REPLY = "This is MeshFlow's offline scripted model, not a real LLM, so this reply is canned."
            + " Your task was: \"{{input}}\". Run a workflow file whose agents use a real provider to get a real"
            + " answer; every step is still governed, streamed and recorded the same way.";

    /** The pause before each streamed token, so that streaming can be seen. */
    static final Duration TOKEN_DELAY = Duration.ofMillis(15);

    private OfflineAssistant() {}

    /** The one-agent workflow. */
    static WorkflowDefinition workflow() {
        return workflow(null);
    }

    /** The one-agent workflow, its agent asking for {@code model} when given (else the provider's default). */
    static WorkflowDefinition workflow(@Nullable String model) {
        Agent assistant = Agent.builder(AGENT_ID)
                .role("a helpful assistant")
                .instructions("Answer the task clearly and briefly.")
                .model(model == null ? "" : model)
                .build();
        return Team.sequential(AGENT_ID, assistant);
    }

    /** The offline model that answers it. */
    static ScriptedProvider provider() {
        return ScriptedProvider.builder()
                .fallback(REPLY)
                .tokenDelay(TOKEN_DELAY)
                .build();
    }
}
