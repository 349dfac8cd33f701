package io.meshflow.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.RecordedRequest;
import okio.BufferedSink;

/**
 * Bedrock Runtime's wire format as the fake server replays it: ConverseStream events in event-stream frames, Converse
 * JSON responses, and errors with their {@code x-amzn-ErrorType} header.
 */
final class BedrockWire {
    static final ObjectMapper JSON = new ObjectMapper();
    // Bedrock pads every event payload with a "p" field of varying length
    private static final String PADDING = "abcdefghijklmnopqrstuvwxyzABCDEF";

    private BedrockWire() {}

    static String compact(String json) {
        try {
            return JSON.readTree(json).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String quoted(String text) {
        return JSON.valueToTree(text).toString();
    }

    private static String padding(int length) {
        return PADDING.substring(0, Math.min(PADDING.length(), length));
    }

    static byte[] messageStart() {
        return EventStreamFrames.event("messageStart", "{\"p\":\"abcdefghijk\",\"role\":\"assistant\"}");
    }

    static byte[] textDelta(int block, String text) {
        return EventStreamFrames.event(
                "contentBlockDelta",
                "{\"contentBlockIndex\":" + block + ",\"delta\":{\"text\":" + quoted(text) + "},\"p\":\""
                        + padding(text.length() + 3) + "\"}");
    }

    static byte[] toolUseStart(int block, String id, String name) {
        return EventStreamFrames.event(
                "contentBlockStart",
                "{\"contentBlockIndex\":" + block + ",\"p\":\"abcd\",\"start\":{\"toolUse\":{\"name\":" + quoted(name)
                        + ",\"toolUseId\":" + quoted(id) + "}}}");
    }

    static byte[] toolUseDelta(int block, String inputFragment) {
        return EventStreamFrames.event(
                "contentBlockDelta",
                "{\"contentBlockIndex\":" + block + ",\"delta\":{\"toolUse\":{\"input\":" + quoted(inputFragment)
                        + "}},\"p\":\"abcdefg\"}");
    }

    static byte[] blockStop(int block) {
        return EventStreamFrames.event(
                "contentBlockStop", "{\"contentBlockIndex\":" + block + ",\"p\":\"abcdefghijklmnopqrs\"}");
    }

    static byte[] messageStop(String stopReason) {
        return EventStreamFrames.event(
                "messageStop", "{\"p\":\"abcdefghijklmnopqrstuvwx\",\"stopReason\":" + quoted(stopReason) + "}");
    }

    static byte[] metadata(int input, int output, int cacheRead, int cacheWrite) {
        return EventStreamFrames.event("metadata", compact("""
                        {"metrics": {"latencyMs": 812}, "p": "abcdefghijklmnopqrstuvwxyzABCDEF",
                         "usage": {"cacheReadInputTokens": %d, "cacheWriteInputTokens": %d, "inputTokens": %d,
                                   "outputTokens": %d, "totalTokens": %d}}
                        """.formatted(
                        cacheRead, cacheWrite, input, output, input + output + cacheRead + cacheWrite)));
    }

    /** A whole text reply: messageStart, one delta per piece, contentBlockStop, messageStop, metadata. */
    static List<byte[]> textReply(String... pieces) {
        List<byte[]> frames = new ArrayList<>();
        frames.add(messageStart());
        for (String piece : pieces) {
            frames.add(textDelta(0, piece));
        }
        frames.add(blockStop(0));
        frames.add(messageStop("end_turn"));
        frames.add(metadata(20, pieces.length, 0, 0));
        return frames;
    }

    /** A 200 ConverseStream response of the given frames. */
    static MockResponse streaming(List<byte[]> frames) {
        return gated(frames, new CountDownLatch(0), List.of(), new AtomicBoolean());
    }

    /**
     * A 200 ConverseStream response that sends {@code before} (flushing after each frame), waits (up to 10 s) for
     * {@code release}, then sends {@code after}; {@code released} says whether the release came in time.
     */
    static MockResponse gated(List<byte[]> before, CountDownLatch release, List<byte[]> after, AtomicBoolean released) {
        long length = 0;
        for (byte[] frame : before) {
            length += frame.length;
        }
        for (byte[] frame : after) {
            length += frame.length;
        }
        long contentLength = length;
        MockResponseBody body = new MockResponseBody() {
            @Override
            public long getContentLength() {
                return contentLength;
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                for (byte[] frame : before) {
                    sink.write(frame).flush();
                }
                try {
                    released.set(release.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
                for (byte[] frame : after) {
                    sink.write(frame).flush();
                }
            }
        };
        return new MockResponse.Builder()
                .code(200)
                .addHeader("Content-Type", "application/vnd.amazon.eventstream")
                .addHeader("x-amzn-RequestId", "5f3e8c9a-0000-4000-8000-000000000001")
                .body(body)
                .build();
    }

    /** A 200 Converse (non-streaming) response. */
    static MockResponse json(String body) {
        return new MockResponse.Builder()
                .code(200)
                .addHeader("Content-Type", "application/json")
                .addHeader("x-amzn-RequestId", "5f3e8c9a-0000-4000-8000-000000000002")
                .body(compact(body))
                .build();
    }

    /** An error as Bedrock Runtime sends it: status, {@code x-amzn-ErrorType}, and a JSON message. */
    static MockResponse error(int code, String errorType, String message) {
        return new MockResponse.Builder()
                .code(code)
                .addHeader("Content-Type", "application/json")
                .addHeader("x-amzn-RequestId", "5f3e8c9a-0000-4000-8000-000000000003")
                .addHeader("x-amzn-ErrorType", errorType + ":http://internal.amazon.com/coral/com.amazon.bedrock/")
                .body("{\"message\":" + quoted(message) + "}")
                .build();
    }

    static JsonNode body(RecordedRequest request) {
        try {
            return JSON.readTree(
                    request.getBody() == null ? "" : request.getBody().utf8());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
