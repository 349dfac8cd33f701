package io.meshflow.testkit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshflow.json.MeshJson;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Anthropic Messages API responses as the API sends them, for {@link FakeLlmServer}: the server-sent events of a
 * streamed message ({@code message_start}, {@code content_block_start}, {@code ping}, {@code content_block_delta} with
 * {@code text_delta} or {@code input_json_delta}, {@code content_block_stop}, {@code message_delta},
 * {@code message_stop}), the same message as one JSON object, and error bodies and events.
 *
 * <pre>{@code
 * AnthropicWire.Message reply = AnthropicWire.message("claude-sonnet-4-5-20250929")
 *         .usage(25, 0, 0)
 *         .text("Hel", "lo")
 *         .stop("end_turn", 2);
 * server.enqueue(FakeLlmServer.Reply.sse(reply.events()));
 * }</pre>
 */
public final class AnthropicWire {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private AnthropicWire() {}

    /** Starts a message from {@code model}. */
    public static Message message(String model) {
        return new Message(model);
    }

    /** An error response body, such as {@code error("authentication_error", "invalid x-api-key")}. */
    public static String errorBody(String type, String message) {
        ObjectNode error = JSON.objectNode();
        error.put("type", "error");
        error.set("error", JSON.objectNode().put("type", type).put("message", message));
        error.put("request_id", "req_011CTestFake");
        return MeshJson.write(error);
    }

    /** An {@code error} event, as sent in the middle of a stream (for example {@code overloaded_error}). */
    public static String errorEvent(String type, String message) {
        return event("error", errorBody(type, message).replace(",\"request_id\":\"req_011CTestFake\"", ""));
    }

    /** One server-sent event: {@code event: <name>}, {@code data: <json>} and a blank line. */
    public static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    /** A message built block by block; {@link #events()} streams it, {@link #json()} returns it whole. */
    public static final class Message {
        private final String model;
        private final String id = "msg_01XFDUDYJgAACzvnptvVoYEL";
        private long inputTokens = 10;
        private long cacheCreationTokens;
        private long cacheReadTokens;
        private long outputTokens = 1;
        private @Nullable String stopReason;
        private final List<Block> blocks = new ArrayList<>();
        private boolean pings = true;

        private Message(String model) {
            this.model = model;
        }

        private record Block(
                String type,
                List<String> parts,
                @Nullable String toolId,
                @Nullable String toolName) {}

        /** Prompt tokens as {@code message_start} reports them: uncached, written to and read from the cache. */
        public Message usage(long input, long cacheCreation, long cacheRead) {
            this.inputTokens = input;
            this.cacheCreationTokens = cacheCreation;
            this.cacheReadTokens = cacheRead;
            return this;
        }

        /** A text block streamed as these deltas. */
        public Message text(String... deltas) {
            blocks.add(new Block("text", List.of(deltas), null, null));
            return this;
        }

        /** A {@code tool_use} block whose input JSON is streamed as these fragments. */
        public Message toolUse(String id, String name, String... jsonFragments) {
            blocks.add(new Block("tool_use", List.of(jsonFragments), id, name));
            return this;
        }

        /** Leaves out the {@code ping} event (sent after the first {@code content_block_start} by default). */
        public Message withoutPing() {
            this.pings = false;
            return this;
        }

        /** The stop reason ({@code end_turn}, {@code tool_use}, {@code max_tokens}, ...) and output tokens. */
        public Message stop(String reason, long output) {
            this.stopReason = reason;
            this.outputTokens = output;
            return this;
        }

        /** The concatenated text of the text blocks. */
        public String text() {
            StringBuilder text = new StringBuilder();
            for (Block block : blocks) {
                if (block.type().equals("text")) {
                    block.parts().forEach(text::append);
                }
            }
            return text.toString();
        }

        /** The events of the streamed message, each ending with its blank line. */
        public List<String> events() {
            List<String> events = new ArrayList<>();
            ObjectNode start = JSON.objectNode().put("type", "message_start");
            ObjectNode message = envelope();
            message.set("content", JSON.arrayNode());
            message.putNull("stop_reason");
            message.putNull("stop_sequence");
            message.set("usage", usageNode(inputTokens, 1));
            start.set("message", message);
            events.add(event("message_start", MeshJson.write(start)));
            for (int index = 0; index < blocks.size(); index++) {
                Block block = blocks.get(index);
                ObjectNode blockStart = JSON.objectNode().put("type", "content_block_start");
                blockStart.put("index", index);
                blockStart.set("content_block", emptyBlock(block));
                events.add(event("content_block_start", MeshJson.write(blockStart)));
                if (index == 0 && pings) {
                    events.add(event("ping", "{\"type\": \"ping\"}"));
                }
                for (String part : block.parts()) {
                    ObjectNode delta = JSON.objectNode().put("type", "content_block_delta");
                    delta.put("index", index);
                    if (block.type().equals("text")) {
                        delta.set(
                                "delta",
                                JSON.objectNode().put("type", "text_delta").put("text", part));
                    } else {
                        delta.set(
                                "delta",
                                JSON.objectNode()
                                        .put("type", "input_json_delta")
                                        .put("partial_json", part));
                    }
                    events.add(event("content_block_delta", MeshJson.write(delta)));
                }
                events.add(event(
                        "content_block_stop",
                        MeshJson.write(JSON.objectNode()
                                .put("type", "content_block_stop")
                                .put("index", index))));
            }
            ObjectNode messageDelta = JSON.objectNode().put("type", "message_delta");
            ObjectNode delta = JSON.objectNode().put("stop_reason", stopReason == null ? "end_turn" : stopReason);
            delta.putNull("stop_sequence");
            messageDelta.set("delta", delta);
            messageDelta.set("usage", JSON.objectNode().put("output_tokens", outputTokens));
            events.add(event("message_delta", MeshJson.write(messageDelta)));
            events.add(event("message_stop", "{\"type\":\"message_stop\"}"));
            return events;
        }

        /** The same message as the non-streaming API returns it. */
        public String json() {
            ObjectNode message = envelope();
            ArrayNode content = JSON.arrayNode();
            for (Block block : blocks) {
                String joined = String.join("", block.parts());
                if (block.type().equals("text")) {
                    content.add(JSON.objectNode().put("type", "text").put("text", joined));
                } else {
                    ObjectNode toolUse = JSON.objectNode()
                            .put("type", "tool_use")
                            .put("id", block.toolId())
                            .put("name", block.toolName());
                    toolUse.set("input", MeshJson.parse(joined.isEmpty() ? "{}" : joined));
                    content.add(toolUse);
                }
            }
            message.set("content", content);
            message.put("stop_reason", stopReason == null ? "end_turn" : stopReason);
            message.putNull("stop_sequence");
            message.set("usage", usageNode(inputTokens, outputTokens));
            return MeshJson.write(message);
        }

        private ObjectNode envelope() {
            return JSON.objectNode()
                    .put("id", id)
                    .put("type", "message")
                    .put("role", "assistant")
                    .put("model", model);
        }

        private ObjectNode usageNode(long input, long output) {
            return JSON.objectNode()
                    .put("input_tokens", input)
                    .put("cache_creation_input_tokens", cacheCreationTokens)
                    .put("cache_read_input_tokens", cacheReadTokens)
                    .put("output_tokens", output);
        }

        private static ObjectNode emptyBlock(Block block) {
            if (block.type().equals("text")) {
                return JSON.objectNode().put("type", "text").put("text", "");
            }
            ObjectNode toolUse = JSON.objectNode()
                    .put("type", "tool_use")
                    .put("id", block.toolId())
                    .put("name", block.toolName());
            toolUse.set("input", JSON.objectNode());
            return toolUse;
        }
    }
}
