package io.meshflow.ledger;

/**
 * Where a step's uncertainty figure came from, strongest evidence first. Stored beside the figure so that a reviewer
 * knows how much to trust it.
 */
public enum UncertaintySource {
    /** From the token log-probabilities the provider returned: 1 − exp(mean log-prob). */
    LOGPROBS,
    /** From a {@code CONFIDENCE: <0..1>} line the agent wrote because its instructions asked for one: 1 − confidence. */
    SELF_REPORTED,
    /** A deterministic step (a Java function or a sub-workflow): 0. */
    DETERMINISTIC,
    /** Nothing was known: 0.5. */
    UNKNOWN
}
