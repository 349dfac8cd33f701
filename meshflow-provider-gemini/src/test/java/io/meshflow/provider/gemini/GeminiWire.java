package io.meshflow.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.RecordedRequest;
import okio.BufferedSink;

/**
 * The Gemini API's wire format as the fake server replays it: {@code GenerateContentResponse} JSON objects, sent as
 * server-sent events ({@code data: <json>} lines separated by {@code \r\n\r\n}, as {@code alt=sse} streams are).
 */
final class GeminiWire {
    static final ObjectMapper JSON = new ObjectMapper();

    private GeminiWire() {}

    /** A JSON text block made compact (one line), as the API sends each event. */
    static String compact(String json) {
        try {
            return JSON.readTree(json).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One streamed chunk with a text part. */
    static String textChunk(String text) {
        return compact("""
                {"candidates": [{"content": {"parts": [{"text": %s}], "role": "model"}, "index": 0}],
                 "usageMetadata": {"promptTokenCount": 1200, "candidatesTokenCount": 3, "totalTokenCount": 1203,
                                   "cachedContentTokenCount": 1000},
                 "modelVersion": "gemini-2.5-flash", "responseId": "resp-1"}
                """.formatted(JSON.valueToTree(text).toString()));
    }

    /** The last chunk: finish reason and the final usage (with cached and thinking tokens). */
    static String finalChunk(String text) {
        return compact("""
                {"candidates": [{"content": {"parts": [{"text": %s}], "role": "model"}, "finishReason": "STOP",
                                 "index": 0}],
                 "usageMetadata": {"promptTokenCount": 1200, "candidatesTokenCount": 30, "totalTokenCount": 1250,
                                   "cachedContentTokenCount": 1000, "thoughtsTokenCount": 20,
                                   "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 1200}],
                                   "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 1000}]},
                 "modelVersion": "gemini-2.5-flash", "responseId": "resp-1"}
                """.formatted(JSON.valueToTree(text).toString()));
    }

    /** A server-sent-events body of the given JSON objects. */
    static String sse(List<String> events) {
        StringBuilder body = new StringBuilder();
        for (String event : events) {
            body.append("data: ").append(event).append("\r\n\r\n");
        }
        return body.toString();
    }

    /** A 200 streaming response with the given events. */
    static MockResponse streaming(String... events) {
        CountDownLatch open = new CountDownLatch(0);
        return gated(List.of(events), open, List.of(), new AtomicBoolean());
    }

    /** A 200 JSON response (non-streaming generateContent). */
    static MockResponse json(String body) {
        return new MockResponse.Builder()
                .code(200)
                .addHeader("Content-Type", "application/json; charset=UTF-8")
                .body(compact(body))
                .build();
    }

    /** An error as the Gemini API sends it. */
    static MockResponse error(int code, String status, String message, String details) {
        return new MockResponse.Builder()
                .code(code)
                .addHeader("Content-Type", "application/json; charset=UTF-8")
                .body(compact("""
                        {"error": {"code": %d, "message": %s, "status": "%s", "details": [%s]}}
                        """.formatted(code, JSON.valueToTree(message).toString(), status, details)))
                .build();
    }

    /** The JSON body a recorded request carried. */
    static JsonNode body(RecordedRequest request) {
        try {
            return JSON.readTree(
                    request.getBody() == null ? "" : request.getBody().utf8());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A streamed 200 response that sends {@code before} (flushing after each event), then waits (up to 10 s) for
     * {@code release}, then sends {@code after}; {@code released} says whether the release came in time.
     */
    static MockResponse gated(List<String> before, CountDownLatch release, List<String> after, AtomicBoolean released) {
        List<byte[]> first = before.stream().map(GeminiWire::eventBytes).toList();
        List<byte[]> rest = after.stream().map(GeminiWire::eventBytes).toList();
        long length = 0;
        for (byte[] event : first) {
            length += event.length;
        }
        for (byte[] event : rest) {
            length += event.length;
        }
        long contentLength = length;
        MockResponseBody body = new MockResponseBody() {
            @Override
            public long getContentLength() {
                return contentLength;
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                for (byte[] event : first) {
                    sink.write(event).flush();
                }
                try {
                    released.set(release.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
                for (byte[] event : rest) {
                    sink.write(event).flush();
                }
            }
        };
        return new MockResponse.Builder()
                .code(200)
                .addHeader("Content-Type", "text/event-stream")
                .body(body)
                .build();
    }

    private static byte[] eventBytes(String json) {
        return sse(List.of(json)).getBytes(StandardCharsets.UTF_8);
    }
}
