package io.meshflow.provider;

/**
 * Tokens a call used, as the provider reported them.
 *
 * @param inputTokens prompt tokens
 * @param outputTokens generated tokens
 * @param cacheReadTokens prompt tokens served from the provider's cache (0 when not reported)
 * @param cacheWriteTokens prompt tokens written to the provider's cache (0 when not reported)
 */
public record TokenUsage(long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens) {
    /** No tokens. */
    public static final TokenUsage ZERO = new TokenUsage(0, 0, 0, 0);

    /** Usage without cache figures. */
    public static TokenUsage of(long inputTokens, long outputTokens) {
        return new TokenUsage(inputTokens, outputTokens, 0, 0);
    }

    /** Input plus output tokens. */
    public long total() {
        return inputTokens + outputTokens;
    }

    /** The sum of two usages. */
    public TokenUsage plus(TokenUsage other) {
        return new TokenUsage(
                inputTokens + other.inputTokens,
                outputTokens + other.outputTokens,
                cacheReadTokens + other.cacheReadTokens,
                cacheWriteTokens + other.cacheWriteTokens);
    }
}
