package io.meshflow.provider.openai;

/**
 * Which request field carries an agent's {@code maxTokens}: OpenAI's current {@code max_completion_tokens} (required by
 * its reasoning models), or the older {@code max_tokens} that many OpenAI-compatible servers still expect.
 */
public enum MaxTokensField {
    /** {@code max_completion_tokens}: OpenAI and Azure OpenAI (the default there). */
    MAX_COMPLETION_TOKENS,
    /** {@code max_tokens}: OpenAI-compatible servers such as Ollama (the default of the {@code ollama} provider). */
    MAX_TOKENS;

    /** The field for a setting's value, {@code max_completion_tokens} or {@code max_tokens}. */
    static MaxTokensField of(String setting) {
        return switch (setting) {
            case "max_completion_tokens" -> MAX_COMPLETION_TOKENS;
            case "max_tokens" -> MAX_TOKENS;
            default ->
                throw new IllegalArgumentException(
                        "max_tokens_field must be max_completion_tokens or max_tokens, got '" + setting + "'");
        };
    }
}
