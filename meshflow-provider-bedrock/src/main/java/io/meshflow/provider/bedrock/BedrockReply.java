package io.meshflow.provider.bedrock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshflow.provider.LlmResponse;
import io.meshflow.provider.PriceTable;
import io.meshflow.provider.ProviderException;
import io.meshflow.provider.StopReason;
import io.meshflow.provider.TokenUsage;
import io.meshflow.provider.ToolCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockDelta;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockDeltaEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockStart;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockStartEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamMetadataEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamOutput;
import software.amazon.awssdk.services.bedrockruntime.model.MessageStopEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlockDelta;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlockStart;

/**
 * Assembles one reply from ConverseStream events ({@code messageStart}, {@code contentBlockStart},
 * {@code contentBlockDelta}, {@code contentBlockStop}, {@code messageStop}, {@code metadata}) or from a Converse
 * response: the text, the tool calls (each assembled from its {@code toolUse} start and the JSON fragments of its
 * deltas, in block order), the stop reason and the usage.
 */
final class BedrockReply {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String model;
    private final StringBuilder content = new StringBuilder();
    private final Map<Integer, PendingToolUse> toolUses = new TreeMap<>();
    private final List<ToolCall> finished = new ArrayList<>();
    private software.amazon.awssdk.services.bedrockruntime.model.@Nullable StopReason stopReason;
    private TokenUsage usage = TokenUsage.ZERO;

    private static final class PendingToolUse {
        final String id;
        final String name;
        final StringBuilder input = new StringBuilder();

        PendingToolUse(String id, String name) {
            this.id = id;
            this.name = name;
        }
    }

    BedrockReply(String model) {
        this.model = model;
    }

    /** Takes the next stream event and returns its new text ({@code ""} when it has none). */
    String add(ConverseStreamOutput event) {
        if (event instanceof ContentBlockDeltaEvent delta) {
            return delta(delta);
        }
        if (event instanceof ContentBlockStartEvent start) {
            ContentBlockStart block = start.start();
            ToolUseBlockStart toolUse = block == null ? null : block.toolUse();
            if (toolUse != null) {
                toolUses.put(start.contentBlockIndex(), new PendingToolUse(toolUse.toolUseId(), toolUse.name()));
            }
        } else if (event instanceof MessageStopEvent stop) {
            stopReason = stop.stopReason();
        } else if (event instanceof ConverseStreamMetadataEvent metadata && metadata.usage() != null) {
            usage = usage(metadata.usage());
        }
        return "";
    }

    private String delta(ContentBlockDeltaEvent event) {
        ContentBlockDelta delta = event.delta();
        if (delta == null) {
            return "";
        }
        String text = delta.text();
        if (text != null) {
            content.append(text);
            return text;
        }
        ToolUseBlockDelta toolUse = delta.toolUse();
        if (toolUse != null && toolUse.input() != null) {
            PendingToolUse pending = toolUses.get(event.contentBlockIndex());
            if (pending == null) {
                throw new ProviderException(
                        BedrockProvider.NAME,
                        "malformed stream: a toolUse delta for content block " + event.contentBlockIndex()
                                + " that no contentBlockStart opened");
            }
            pending.input.append(toolUse.input());
        }
        return "";
    }

    /** Takes a whole Converse response. */
    void add(ConverseResponse response) {
        if (response.output() != null && response.output().message() != null) {
            for (ContentBlock block : response.output().message().content()) {
                if (block.text() != null) {
                    content.append(block.text());
                }
                ToolUseBlock toolUse = block.toolUse();
                if (toolUse != null) {
                    finished.add(new ToolCall(
                            toolUse.toolUseId(),
                            toolUse.name(),
                            toolUse.input() == null ? JSON.createObjectNode() : Documents.toJson(toolUse.input())));
                }
            }
        }
        stopReason = response.stopReason();
        if (response.usage() != null) {
            usage = usage(response.usage());
        }
    }

    /**
     * The whole reply.
     *
     * @throws ProviderException when no {@code messageStop} came (the stream was cut off) or a tool's input is not JSON
     */
    LlmResponse finish(PriceTable prices) {
        if (stopReason == null) {
            throw new ProviderException(
                    BedrockProvider.NAME,
                    "the stream ended before the model finished (no messageStop event): it was cut off or truncated");
        }
        List<ToolCall> calls = new ArrayList<>(finished);
        for (PendingToolUse pending : toolUses.values()) {
            calls.add(new ToolCall(pending.id, pending.name, parseInput(pending)));
        }
        return new LlmResponse(
                content.toString(), calls, stopReason(calls), usage, prices.cost(model, usage), model, null);
    }

    private static JsonNode parseInput(PendingToolUse pending) {
        String input = pending.input.toString().strip();
        if (input.isEmpty()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(input);
        } catch (JsonProcessingException e) {
            throw new ProviderException(
                    BedrockProvider.NAME,
                    "malformed stream: the input of tool call '" + pending.name + "' (" + pending.id + ") is not JSON: "
                            + e.getOriginalMessage(),
                    e);
        }
    }

    private StopReason stopReason(List<ToolCall> calls) {
        if (!calls.isEmpty()) {
            return StopReason.TOOL_USE;
        }
        var reason = stopReason;
        if (reason == null) {
            return StopReason.OTHER;
        }
        return switch (reason) {
            case END_TURN -> StopReason.END_TURN;
            case TOOL_USE -> StopReason.TOOL_USE;
            case MAX_TOKENS -> StopReason.MAX_TOKENS;
            case STOP_SEQUENCE -> StopReason.STOP_SEQUENCE;
            case GUARDRAIL_INTERVENED, CONTENT_FILTERED -> StopReason.REFUSAL;
            default -> StopReason.OTHER;
        };
    }

    /**
     * Bedrock reports prompt tokens read from and written to its cache apart from {@code inputTokens}, as Anthropic
     * does, so they map one to one.
     */
    private static TokenUsage usage(software.amazon.awssdk.services.bedrockruntime.model.TokenUsage usage) {
        return new TokenUsage(
                orZero(usage.inputTokens()),
                orZero(usage.outputTokens()),
                orZero(usage.cacheReadInputTokens()),
                orZero(usage.cacheWriteInputTokens()));
    }

    private static long orZero(@Nullable Integer value) {
        return value == null ? 0 : value;
    }
}
