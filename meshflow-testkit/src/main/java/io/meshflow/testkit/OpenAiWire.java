package io.meshflow.testkit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshflow.json.MeshJson;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * OpenAI chat-completions responses as the API (and OpenAI-compatible servers such as Ollama and vLLM) sends them,
 * for {@link FakeLlmServer}: the {@code data:} chunks of a streamed completion ({@code chat.completion.chunk}, tool
 * calls streamed as deltas by index, a last chunk with the usage when {@code stream_options.include_usage} is set,
 * then {@code data: [DONE]}), the same completion as one JSON object, and error bodies.
 *
 * <pre>{@code
 * OpenAiWire.Completion reply = OpenAiWire.completion("gpt-4o-mini-2024-07-18").text("Hel", "lo").finish("stop").usage(9, 2, 0);
 * server.enqueue(FakeLlmServer.Reply.sse(reply.events()));
 * }</pre>
 */
public final class OpenAiWire {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** The terminating event of every stream. */
    public static final String DONE = "data: [DONE]\n\n";

    private OpenAiWire() {}

    /** Starts a completion from {@code model}. */
    public static Completion completion(String model) {
        return new Completion(model);
    }

    /** An error response body, such as {@code errorBody("invalid_api_key", "Incorrect API key provided")}. */
    public static String errorBody(String code, String message) {
        ObjectNode error = JSON.objectNode().put("message", message).put("type", "invalid_request_error");
        error.putNull("param");
        error.put("code", code);
        ObjectNode body = JSON.objectNode();
        body.set("error", error);
        return MeshJson.write(body);
    }

    /** One {@code data:} event and its blank line. */
    public static String data(String json) {
        return "data: " + json + "\n\n";
    }

    /** A completion built piece by piece; {@link #events()} streams it, {@link #json()} returns it whole. */
    public static final class Completion {
        private final String model;
        private final String id = "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT";
        private final List<String> textDeltas = new ArrayList<>();
        private final List<ToolCallSpec> toolCalls = new ArrayList<>();
        private @Nullable String finishReason;
        private long promptTokens = 10;
        private long completionTokens = 1;
        private long cachedTokens;
        private boolean usage = true;

        private record ToolCallSpec(String id, String name, List<String> argumentFragments) {}

        private Completion(String model) {
            this.model = model;
        }

        /** Content streamed as these deltas. */
        public Completion text(String... deltas) {
            textDeltas.addAll(List.of(deltas));
            return this;
        }

        /** A function tool call whose arguments are streamed as these fragments. */
        public Completion toolCall(String id, String name, String... argumentFragments) {
            toolCalls.add(new ToolCallSpec(id, name, List.of(argumentFragments)));
            return this;
        }

        /** The finish reason: {@code stop}, {@code length}, {@code tool_calls}, {@code content_filter}. */
        public Completion finish(String reason) {
            this.finishReason = reason;
            return this;
        }

        /** The usage: prompt tokens (of which cached) and completion tokens. */
        public Completion usage(long prompt, long completion, long cached) {
            this.promptTokens = prompt;
            this.completionTokens = completion;
            this.cachedTokens = cached;
            return this;
        }

        /** Leaves out the usage chunk, as servers do when {@code stream_options.include_usage} is not honoured. */
        public Completion withoutUsage() {
            this.usage = false;
            return this;
        }

        /** The concatenated content. */
        public String text() {
            return String.join("", textDeltas);
        }

        /** The {@code data:} events of the stream, {@code [DONE]} included. */
        public List<String> events() {
            List<String> events = new ArrayList<>();
            ObjectNode first = JSON.objectNode().put("role", "assistant").put("content", "");
            first.putNull("refusal");
            events.add(data(chunk(first, null)));
            for (String delta : textDeltas) {
                events.add(data(chunk(JSON.objectNode().put("content", delta), null)));
            }
            for (int index = 0; index < toolCalls.size(); index++) {
                ToolCallSpec call = toolCalls.get(index);
                ObjectNode head = JSON.objectNode()
                        .put("index", index)
                        .put("id", call.id())
                        .put("type", "function");
                head.set("function", JSON.objectNode().put("name", call.name()).put("arguments", ""));
                events.add(data(chunk(toolDelta(head), null)));
                for (String fragment : call.argumentFragments()) {
                    ObjectNode part = JSON.objectNode().put("index", index);
                    part.set("function", JSON.objectNode().put("arguments", fragment));
                    events.add(data(chunk(toolDelta(part), null)));
                }
            }
            events.add(data(chunk(JSON.objectNode(), finishReason())));
            if (usage) {
                ObjectNode last = envelope();
                last.set("choices", JSON.arrayNode());
                last.set("usage", usageNode());
                events.add(data(MeshJson.write(last)));
            }
            events.add(DONE);
            return events;
        }

        /** The same completion as the non-streaming API returns it. */
        public String json() {
            ObjectNode completion = envelope().put("object", "chat.completion");
            ObjectNode message = JSON.objectNode().put("role", "assistant");
            if (textDeltas.isEmpty() && !toolCalls.isEmpty()) {
                message.putNull("content");
            } else {
                message.put("content", text());
            }
            message.putNull("refusal");
            if (!toolCalls.isEmpty()) {
                ArrayNode calls = JSON.arrayNode();
                for (ToolCallSpec call : toolCalls) {
                    ObjectNode node = JSON.objectNode().put("id", call.id()).put("type", "function");
                    node.set(
                            "function",
                            JSON.objectNode()
                                    .put("name", call.name())
                                    .put("arguments", String.join("", call.argumentFragments())));
                    calls.add(node);
                }
                message.set("tool_calls", calls);
            }
            ObjectNode choice = JSON.objectNode().put("index", 0);
            choice.set("message", message);
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason());
            completion.set("choices", JSON.arrayNode().add(choice));
            completion.set("usage", usageNode());
            return MeshJson.write(completion);
        }

        private String finishReason() {
            if (finishReason != null) {
                return finishReason;
            }
            return toolCalls.isEmpty() ? "stop" : "tool_calls";
        }

        private ObjectNode envelope() {
            return JSON.objectNode()
                    .put("id", id)
                    .put("object", "chat.completion.chunk")
                    .put("created", 1_741_570_283L)
                    .put("model", model)
                    .put("service_tier", "default")
                    .put("system_fingerprint", "fp_06737a9306");
        }

        private String chunk(ObjectNode delta, @Nullable String finish) {
            ObjectNode chunk = envelope();
            ObjectNode choice = JSON.objectNode().put("index", 0);
            choice.set("delta", delta);
            choice.putNull("logprobs");
            if (finish == null) {
                choice.putNull("finish_reason");
            } else {
                choice.put("finish_reason", finish);
            }
            chunk.set("choices", JSON.arrayNode().add(choice));
            if (usage) {
                chunk.putNull("usage");
            }
            return MeshJson.write(chunk);
        }

        private static ObjectNode toolDelta(ObjectNode call) {
            ObjectNode delta = JSON.objectNode();
            delta.set("tool_calls", JSON.arrayNode().add(call));
            return delta;
        }

        private ObjectNode usageNode() {
            ObjectNode node = JSON.objectNode()
                    .put("prompt_tokens", promptTokens)
                    .put("completion_tokens", completionTokens)
                    .put("total_tokens", promptTokens + completionTokens);
            node.set(
                    "prompt_tokens_details",
                    JSON.objectNode().put("cached_tokens", cachedTokens).put("audio_tokens", 0));
            node.set(
                    "completion_tokens_details",
                    JSON.objectNode()
                            .put("reasoning_tokens", 0)
                            .put("audio_tokens", 0)
                            .put("accepted_prediction_tokens", 0)
                            .put("rejected_prediction_tokens", 0));
            return node;
        }
    }
}
