package io.meshflow.workflow;

import io.meshflow.agent.AgentReply;
import io.meshflow.ledger.UncertaintySource;
import io.meshflow.policy.Verdict;
import org.jspecify.annotations.Nullable;

/**
 * What one execution of a node produced.
 *
 * @param output the text handed to the next nodes and recorded in the ledger
 * @param tokensUsed model tokens used in the step
 * @param costUsd what the step's model calls cost
 * @param uncertainty 0..1
 * @param uncertaintySource where the uncertainty came from
 * @param verdict a verdict the node reached itself (for example a review node escalating), or {@code null} to let
 *     the runtime's checks decide
 */
public record NodeResult(
        String output,
        long tokensUsed,
        double costUsd,
        double uncertainty,
        UncertaintySource uncertaintySource,
        @Nullable Verdict verdict) {

    /** Checks the uncertainty range. */
    public NodeResult {
        if (!(uncertainty >= 0 && uncertainty <= 1)) {
            throw new IllegalArgumentException("uncertainty must be within 0..1, got " + uncertainty);
        }
    }

    /** The result of a deterministic step. */
    public static NodeResult of(String output) {
        return new NodeResult(output, 0, 0, 0, UncertaintySource.DETERMINISTIC, null);
    }

    /** The result of an agent's reply. */
    public static NodeResult of(AgentReply reply) {
        return new NodeResult(
                reply.content(),
                reply.usage().total(),
                reply.costUsd(),
                reply.uncertainty(),
                reply.uncertaintySource(),
                null);
    }

    /** The same result with a verdict of the node's own. */
    public NodeResult withVerdict(Verdict newVerdict) {
        return new NodeResult(output, tokensUsed, costUsd, uncertainty, uncertaintySource, newVerdict);
    }
}
