package io.meshflow.provider;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A model's reply.
 *
 * @param content the text of the reply ({@code ""} when it only calls tools)
 * @param toolCalls tools the model asks to be called, in the order given
 * @param stopReason why it stopped
 * @param usage tokens used
 * @param costUsd what the call cost in US dollars, from the provider's price list (0 when unknown)
 * @param model the model that answered, as the provider names it
 * @param tokenLogprobs natural-log probabilities of the generated tokens when the provider returns them, else
 *     {@code null}; used to derive a step's uncertainty
 */
public record LlmResponse(
        String content,
        List<ToolCall> toolCalls,
        StopReason stopReason,
        TokenUsage usage,
        double costUsd,
        String model,
        @Nullable List<Double> tokenLogprobs) {

    /** Copies the lists. */
    public LlmResponse {
        toolCalls = List.copyOf(toolCalls);
        tokenLogprobs = tokenLogprobs == null ? null : List.copyOf(tokenLogprobs);
    }

    /** True when the model asked for tools. */
    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }
}
