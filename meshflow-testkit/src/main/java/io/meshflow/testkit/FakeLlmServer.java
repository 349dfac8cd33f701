package io.meshflow.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.meshflow.json.MeshJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A local HTTP server on {@code 127.0.0.1} (a free port) standing in for a model vendor's API in tests: it answers
 * requests with the {@link Reply replies} queued with {@link #enqueue}, in order, and records every request it received
 * ({@link #requests()}).
 *
 * <p>A reply is a status, headers and a body written in parts: each part is written and flushed on its own (chunked
 * transfer encoding), so that a client reading server-sent events sees them one at a time, and a reply may pause
 * between parts or run code (such as waiting for a latch) before the next part. When no reply is queued, the server
 * answers {@code 500} with a JSON error saying so, so that a test that expected fewer calls fails loudly.
 *
 * <pre>{@code
 * try (FakeLlmServer server = FakeLlmServer.start()) {
 *     server.enqueue(FakeLlmServer.Reply.sse(OpenAiWire.textStream("gpt-4o-mini", List.of("Hel", "lo"), 5, 2)));
 *     OpenAiProvider provider = OpenAiProvider.builder().baseUrl(server.url("/v1")).apiKey("test").build();
 *     ...
 *     assertThat(server.requests().get(0).path()).isEqualTo("/v1/chat/completions");
 * }
 * }</pre>
 */
public final class FakeLlmServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final ConcurrentLinkedQueue<Reply> replies = new ConcurrentLinkedQueue<>();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final BlockingQueue<RecordedRequest> arrivals = new LinkedBlockingQueue<>();
    private final AtomicInteger aborted = new AtomicInteger();

    private FakeLlmServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts a server on {@code 127.0.0.1} and a free port, each exchange on its own virtual thread.
     *
     * @throws UncheckedIOException when no port can be bound
     */
    public static FakeLlmServer start() {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
            http.setExecutor(executor);
            FakeLlmServer fake = new FakeLlmServer(http, executor);
            http.createContext("/", fake::handle);
            http.start();
            return fake;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the fake server", e);
        }
    }

    /** The server's root, such as {@code http://127.0.0.1:41234}. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The URL of {@code path} on this server, such as {@code url("/v1")}. */
    public String url(String path) {
        return baseUri() + path;
    }

    /** Queues the reply to the next request that finds no earlier reply waiting. */
    public FakeLlmServer enqueue(Reply reply) {
        replies.add(reply);
        return this;
    }

    /** Every request received so far, in order of arrival. */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /**
     * The next request in order of arrival not yet taken, waiting up to {@code timeout} for it.
     *
     * @throws IllegalStateException when none arrives in time
     */
    public RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
        RecordedRequest request = arrivals.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (request == null) {
            throw new IllegalStateException("no request arrived within " + timeout);
        }
        return request;
    }

    /** How many replies could not be written to the end because the client had gone (closed its connection). */
    public int abortedReplies() {
        return aborted.get();
    }

    /** Stops the server at once, interrupting replies still being written. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            RecordedRequest request = record(exchange);
            requests.add(request);
            arrivals.add(request);
            Reply reply = replies.poll();
            if (reply == null) {
                reply = Reply.json(
                        500,
                        "{\"error\":{\"type\":\"fake_server_error\",\"message\":\"FakeLlmServer: no reply queued for "
                                + request.method() + " " + request.path() + "\"}}");
            }
            respond(exchange, reply, request);
        }
    }

    private static RecordedRequest record(HttpExchange exchange) throws IOException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders()
                .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        URI uri = exchange.getRequestURI();
        return new RecordedRequest(
                exchange.getRequestMethod(),
                uri.getRawPath(),
                uri.getRawQuery() == null ? "" : uri.getRawQuery(),
                headers,
                body,
                System.nanoTime());
    }

    private void respond(HttpExchange exchange, Reply reply, RecordedRequest request) throws IOException {
        reply.headers.forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
        Body streamed = reply.streamedBody;
        if (streamed == null) {
            exchange.sendResponseHeaders(reply.status, reply.wholeBody.length == 0 ? -1 : reply.wholeBody.length);
        } else {
            exchange.sendResponseHeaders(reply.status, 0);
        }
        OutputStream out = exchange.getResponseBody();
        try {
            if (streamed == null) {
                out.write(reply.wholeBody);
            } else {
                streamed.write(new Writer(out), request);
            }
            out.flush();
        } catch (IOException e) {
            aborted.incrementAndGet();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                out.close();
            } catch (IOException e) {
                // the client has gone; nothing more to tell it
            }
        }
    }

    /**
     * A request as the server received it.
     *
     * @param method such as {@code POST}
     * @param path the raw path, such as {@code /v1/messages}
     * @param query the raw query string, {@code ""} when there is none
     * @param headers the headers, names in lower case
     * @param body the body as UTF-8 text
     * @param receivedNanos {@link System#nanoTime()} when its body had been read
     */
    public record RecordedRequest(
            String method,
            String path,
            String query,
            Map<String, List<String>> headers,
            String body,
            long receivedNanos) {
        /** Copies the headers. */
        public RecordedRequest {
            headers = Map.copyOf(headers);
        }

        /** The first value of a header (any case), if sent. */
        public Optional<String> header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
        }

        /** The body parsed as JSON. */
        public JsonNode json() {
            return MeshJson.parse(body);
        }
    }

    /** Writes a reply's body, flushing each part so that the client sees it at once. */
    public static final class Writer {
        private final OutputStream out;

        private Writer(OutputStream out) {
            this.out = out;
        }

        /** Writes {@code text} (UTF-8) and flushes it to the client. */
        public void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    /** Writes a reply's body; may block, pause or wait on test code between parts. */
    @FunctionalInterface
    public interface Body {
        /**
         * Writes the body.
         *
         * @param out where to write it
         * @param request the request being answered
         */
        void write(Writer out, RecordedRequest request) throws IOException, InterruptedException;
    }

    /** A scripted response: a status, headers, and a body sent either whole or streamed part by part. */
    public static final class Reply {
        private final int status;
        private final Map<String, String> headers;
        private final @Nullable Body streamedBody;
        private final byte[] wholeBody;

        private Reply(int status, Map<String, String> headers, @Nullable Body streamedBody, byte[] wholeBody) {
            this.status = status;
            this.headers = Map.copyOf(headers);
            this.streamedBody = streamedBody;
            this.wholeBody = wholeBody.clone();
        }

        /** A JSON response sent whole, with its length. */
        public static Reply json(int status, String json) {
            return new Reply(
                    status, Map.of("Content-Type", "application/json"), null, json.getBytes(StandardCharsets.UTF_8));
        }

        /** A stream of server-sent events, each written and flushed on its own ({@code text/event-stream}). */
        public static Reply sse(List<String> events) {
            return stream((out, request) -> {
                for (String event : events) {
                    out.send(event);
                }
            });
        }

        /** A streamed ({@code text/event-stream}, status 200) reply whose body {@code body} writes. */
        public static Reply stream(Body body) {
            return new Reply(200, Map.of("Content-Type", "text/event-stream"), body, new byte[0]);
        }

        /** Builds a streamed reply part by part: events, pauses and code run between them. */
        public static StreamBuilder streamed() {
            return new StreamBuilder();
        }

        /** The same reply with one more header. */
        public Reply withHeader(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(headers);
            more.put(name, value);
            return new Reply(status, more, streamedBody, wholeBody);
        }

        /** The HTTP status. */
        public int status() {
            return status;
        }
    }

    /** Builds a streamed reply out of parts written in order. */
    public static final class StreamBuilder {
        private final List<Body> parts = new ArrayList<>();

        private StreamBuilder() {}

        /** Sends each of {@code events} (flushing each). */
        public StreamBuilder send(List<String> events) {
            parts.add((out, request) -> {
                for (String event : events) {
                    out.send(event);
                }
            });
            return this;
        }

        /** Sends {@code text} as it is (flushed). */
        public StreamBuilder send(String text) {
            parts.add((out, request) -> out.send(text));
            return this;
        }

        /** Waits before the next part. */
        public StreamBuilder pause(Duration duration) {
            parts.add((out, request) -> Thread.sleep(duration));
            return this;
        }

        /** Runs test code (such as counting down or awaiting a latch) before the next part. */
        public StreamBuilder then(Body action) {
            parts.add(action);
            return this;
        }

        /** The reply, status 200. */
        public Reply build() {
            List<Body> all = List.copyOf(parts);
            return Reply.stream((out, request) -> {
                for (Body part : all) {
                    part.write(out, request);
                }
            });
        }
    }
}
