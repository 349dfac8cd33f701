package io.meshflow.provider;

/** Why a model stopped generating. */
public enum StopReason {
    /** It finished its answer. */
    END_TURN,
    /** It hit the request's {@code maxTokens}. */
    MAX_TOKENS,
    /** It wants tools called before it goes on. */
    TOOL_USE,
    /** It produced a stop sequence. */
    STOP_SEQUENCE,
    /** The provider refused to answer (safety filter). */
    REFUSAL,
    /** Anything else the provider reported. */
    OTHER
}
