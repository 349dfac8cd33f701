package io.meshflow.runtime;

import io.meshflow.agent.Agent;
import io.meshflow.event.MeshEvent;
import io.meshflow.memory.MemoryConfig;
import io.meshflow.memory.MemoryScope;
import io.meshflow.memory.MemoryStore;
import io.meshflow.provider.ChatMessage;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.LlmResponse;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Summarises an agent's older memories with the agent's own model once its scope holds more than
 * {@link MemoryConfig#summarizeAfter()} of them: run right after a committed step's observation was remembered. Each
 * consolidation leaves an audit finding in the ledger (check {@code memory}: rule {@code consolidated}, severity
 * {@code INFO}, or {@code consolidation_failed}, severity {@code WARN}, with an {@code ERROR} event) that carries the
 * summarising call's tokens and cost: they count in the run's totals and, through the finding, in the tenant's daily
 * spend. A failed model call keeps every memory and never fails the run: the step is already committed.
 */
final class MemoryConsolidation {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryConsolidation.class);

    /** The instruction the model gets before the memories; the reply replaces them. */
    static final String INSTRUCTION = "Summarise these memories of earlier work into one short paragraph that keeps"
            + " every fact, name, number and decision a later step may need. Reply with the summary only.";

    /** The check name of the findings this leaves. */
    static final String CHECK = "memory";

    private MemoryConsolidation() {}

    /**
     * Consolidates the agent's scope if it holds more memories than the agent's configuration allows.
     *
     * @param stepId the committed step whose observation was just remembered (the finding names it)
     */
    static void ifDue(
            RunContext run,
            String stepId,
            String nodeId,
            List<String> path,
            Agent agent,
            LlmProvider provider,
            MemoryStore store,
            MemoryScope scope) {
        MemoryConfig config = agent.memory();
        if (!config.summarizes()) {
            return;
        }
        int before = store.entries(scope).size();
        if (before <= config.summarizeAfter()) {
            return;
        }
        // the model's answer, kept to count what it cost: the call is made inside the store's consolidation
        AtomicReference<@Nullable LlmResponse> answered = new AtomicReference<>();
        try {
            int after = store.consolidate(
                    scope, memories -> summarize(agent, provider, stepId, memories, answered), config.keepRecent());
            LlmResponse response = answered.get();
            GovernanceChecks.record(
                    run,
                    stepId,
                    CHECK,
                    "consolidated",
                    "INFO",
                    "scope " + scope.key() + ": " + before + " memories consolidated into " + after + " ("
                            + "older ones summarised by " + provider.name() + spent(response) + ", the "
                            + config.keepRecent() + " newest kept)",
                    tokens(response),
                    cost(response));
        } catch (RuntimeException e) {
            LlmResponse response = answered.get();
            String message = "scope " + scope.key() + ": summarising " + before + " memories with " + provider.name()
                    + spent(response) + " failed, every memory was kept: " + e.getMessage();
            LOG.warn("run {}: {}", run.runId, message);
            GovernanceChecks.record(
                    run, stepId, CHECK, "consolidation_failed", "WARN", message, tokens(response), cost(response));
            run.bus.publish(seq -> new MeshEvent.ErrorEvent(
                    seq,
                    run.runId,
                    stepId,
                    nodeId,
                    run.tenantId,
                    run.clock.instant(),
                    path,
                    "memory_consolidation_failed",
                    message));
        } finally {
            // the call belongs to no step (the step had committed), but the run paid for it: its totals, and so
            // its caps for the steps after, count it; the finding carries it into the tenant's daily spend
            LlmResponse response = answered.get();
            if (response != null) {
                run.account(response.usage().total(), response.costUsd(), agent.policy());
            }
        }
    }

    private static long tokens(@Nullable LlmResponse response) {
        return response == null ? 0 : response.usage().total();
    }

    private static double cost(@Nullable LlmResponse response) {
        return response == null ? 0 : response.costUsd();
    }

    /** What the summarising call used, as the finding states it; empty when no answer came. */
    private static String spent(@Nullable LlmResponse response) {
        return response == null
                ? ""
                : String.format(
                        Locale.ROOT,
                        " in %d tokens costing $%.6f",
                        response.usage().total(),
                        response.costUsd());
    }

    private static String summarize(
            Agent agent,
            LlmProvider provider,
            String stepId,
            List<String> memories,
            AtomicReference<@Nullable LlmResponse> answered) {
        StringBuilder prompt = new StringBuilder(INSTRUCTION).append("\n\nMemories, oldest first:\n");
        for (String memory : memories) {
            prompt.append("- ").append(memory.replace("\n", "\n  ")).append('\n');
        }
        LlmResponse response = provider.complete(new LlmRequest(
                agent.id(),
                stepId,
                agent.model(),
                agent.systemPrompt(),
                List.of(ChatMessage.user(prompt.toString())),
                List.of(),
                agent.maxTokens(),
                agent.temperature()));
        answered.set(response);
        return response.content();
    }
}
