package io.meshflow.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.genai.types.Candidate;
import com.google.genai.types.FinishReason;
import com.google.genai.types.FunctionCall;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.GenerateContentResponseUsageMetadata;
import com.google.genai.types.Part;
import io.meshflow.provider.LlmResponse;
import io.meshflow.provider.PriceTable;
import io.meshflow.provider.ProviderException;
import io.meshflow.provider.StopReason;
import io.meshflow.provider.TokenUsage;
import io.meshflow.provider.ToolCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Assembles one reply from the {@code GenerateContentResponse}s of a stream (or the single one of a non-streaming call):
 * text of the first candidate (thought summaries left out), function calls in order, the finish reason, the last usage
 * reported (Gemini repeats the running totals in every chunk) and the model version.
 */
final class GeminiReply {
    private static final String MADE_UP_ID_PREFIX = "gemini-call-";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String requestedModel;
    private final int round;
    private final ThoughtSignatures signatures;
    private final StringBuilder content = new StringBuilder();
    private final List<ToolCall> toolCalls = new ArrayList<>();
    private @Nullable FinishReason finishReason;
    private @Nullable String blockReason;
    private @Nullable GenerateContentResponseUsageMetadata usage;
    private @Nullable String modelVersion;
    private @Nullable String responseId;

    /**
     * @param requestedModel the model asked for, used when the response names none
     * @param round how many model turns the conversation already has, part of made-up call ids
     */
    GeminiReply(String requestedModel, int round, ThoughtSignatures signatures) {
        this.requestedModel = requestedModel;
        this.round = round;
        this.signatures = signatures;
    }

    /** Whether {@code id} was made up by {@link #toolCallId} rather than given by the API. */
    static boolean isMadeUpId(String id) {
        return id.startsWith(MADE_UP_ID_PREFIX);
    }

    /**
     * Takes the next chunk and returns its new text ({@code ""} when it has none).
     */
    String add(GenerateContentResponse chunk) {
        chunk.responseId().ifPresent(id -> responseId = id);
        chunk.modelVersion().ifPresent(version -> modelVersion = version);
        chunk.usageMetadata().ifPresent(metadata -> usage = metadata);
        chunk.promptFeedback()
                .flatMap(feedback -> feedback.blockReason())
                .ifPresent(reason -> blockReason = reason.toString());
        List<Candidate> candidates = chunk.candidates().orElse(List.of());
        if (candidates.isEmpty()) {
            return "";
        }
        Candidate candidate = candidates.get(0);
        candidate.finishReason().ifPresent(reason -> finishReason = reason);
        StringBuilder text = new StringBuilder();
        List<Part> parts = candidate.content().flatMap(c -> c.parts()).orElse(List.of());
        for (Part part : parts) {
            if (part.thought().orElse(false)) {
                continue;
            }
            part.text().ifPresent(text::append);
            Optional<FunctionCall> functionCall = part.functionCall();
            if (functionCall.isPresent()) {
                ToolCall call = toolCall(functionCall.get());
                toolCalls.add(call);
                part.thoughtSignature().ifPresent(signature -> signatures.put(call.id(), signature));
            }
        }
        content.append(text);
        return text.toString();
    }

    /**
     * The whole reply.
     *
     * @throws ProviderException when the response never said why it stopped: the stream was cut off
     */
    LlmResponse finish(PriceTable prices) {
        if (finishReason == null && blockReason == null) {
            throw new ProviderException(
                    GeminiProvider.NAME,
                    "the response ended before the model finished (no finishReason"
                            + (content.isEmpty() && toolCalls.isEmpty() ? " and no content" : "")
                            + "): the stream was cut off or truncated");
        }
        String model = modelVersion == null ? requestedModel : modelVersion;
        TokenUsage tokens = tokenUsage();
        return new LlmResponse(
                content.toString(), toolCalls, stopReason(), tokens, prices.cost(model, tokens), model, null);
    }

    private ToolCall toolCall(FunctionCall call) {
        String name = call.name().orElse("");
        Map<String, Object> args = call.args().orElse(Map.of());
        JsonNode arguments = JSON.valueToTree(args);
        return new ToolCall(call.id().orElseGet(() -> toolCallId(toolCalls.size())), name, arguments);
    }

    /**
     * An id for a function call the API gave none (the Gemini API usually gives none): stable for the response (its
     * {@code responseId}, or the conversation's round when it has none, and the call's position), and unique across the
     * conversation, so that results map back to calls and the ledger stays deterministic.
     */
    String toolCallId(int index) {
        String response = responseId == null ? "r" + round : responseId;
        return MADE_UP_ID_PREFIX + response + "-" + index;
    }

    private StopReason stopReason() {
        if (!toolCalls.isEmpty()) {
            return StopReason.TOOL_USE;
        }
        if (finishReason == null) {
            return StopReason.REFUSAL; // the prompt was blocked
        }
        FinishReason.Known known = finishReason.knownEnum();
        if (known == null) {
            return StopReason.OTHER;
        }
        return switch (known) {
            case STOP -> StopReason.END_TURN;
            case MAX_TOKENS -> StopReason.MAX_TOKENS;
            case SAFETY,
                    RECITATION,
                    BLOCKLIST,
                    PROHIBITED_CONTENT,
                    SPII,
                    IMAGE_SAFETY,
                    IMAGE_PROHIBITED_CONTENT,
                    IMAGE_RECITATION -> StopReason.REFUSAL;
            default -> StopReason.OTHER;
        };
    }

    /**
     * Usage in MeshFlow's terms: Gemini's {@code promptTokenCount} includes the cached tokens, so input is the prompt
     * less {@code cachedContentTokenCount} (plus tool-use prompt tokens), and output includes thinking tokens, which
     * are billed as output.
     */
    private TokenUsage tokenUsage() {
        GenerateContentResponseUsageMetadata metadata = usage;
        if (metadata == null) {
            return TokenUsage.ZERO;
        }
        long prompt = metadata.promptTokenCount().orElse(0);
        long cached = metadata.cachedContentTokenCount().orElse(0);
        long toolPrompt = metadata.toolUsePromptTokenCount().orElse(0);
        long output = metadata.candidatesTokenCount().orElse(0)
                + (long) metadata.thoughtsTokenCount().orElse(0);
        return new TokenUsage(Math.max(0, prompt - cached) + toolPrompt, output, cached, 0);
    }
}
