package io.meshflow.bench;

import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.server.ApiKeys;
import io.meshflow.server.MeshFlowServer;
import io.meshflow.server.RunMetrics;
import io.meshflow.server.ServedWorkflow;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load test of the MeshFlow server over loopback, the server in a separate JVM (not JMH, bounded in time).
 *
 * <ol>
 *   <li>{@code GET /health}: {@code --clients} keep-alive connections each sending requests back to back, driven by
 *       <a href="https://github.com/wg/wrk">wrk</a> (Debian package {@code wrk}) when it is on the {@code PATH} — a
 *       C load generator whose own cost on the shared two cores is small — and, for comparison with earlier runs, by
 *       virtual threads in this JVM ({@code --health-java} only: the JVM client needs about as much CPU as the
 *       server, so it measures the pair, not the server);
 *   <li>authenticated {@code POST /runs?wait=true} of a one-step scripted run (no token delay) recorded in a SQLite
 *       ledger: requests/s and latency percentiles;
 *   <li>{@code --sse} concurrent {@code POST /stream} Server-Sent-Event streams, each a run whose scripted model emits
 *       400 tokens 50 ms apart (20 s), opened at 250 per second so that all are open at once; the server's peak used
 *       heap is sampled every 50 ms.
 * </ol>
 *
 * <p>Usage: {@code java -Xmx1g -cp benchmarks.jar io.meshflow.bench.ServerLoad [--seconds S] [--clients C]
 * [--run-clients C] [--sse N] [--health-java] [--no-wrk]}. It starts the server as {@code java -Xms1g -Xmx1g -cp <the same class path>
 * io.meshflow.bench.ServerLoad --serve}, prints a markdown table on standard output and progress on standard error.
 */
public final class ServerLoad {
    private static final String KEY = "bench-key-000001";
    private static final int SSE_TOKENS = 400;
    private static final Duration SSE_DELAY = Duration.ofMillis(50);
    private static final int SSE_WORKERS = 4_096;

    private ServerLoad() {}

    /** Runs the load test, or with {@code --serve} the server it loads. */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--serve")) {
            serve();
            return;
        }
        int seconds = intArg(args, "--seconds", 10);
        int clients = intArg(args, "--clients", 64);
        int runClients = intArg(args, "--run-clients", 32);
        int sse = intArg(args, "--sse", 2000);
        PrintStream out = System.out;

        Process server = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xms1g",
                        "-Xmx1g",
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ServerLoad.class.getName(),
                        "--serve")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        BufferedReader serverOut =
                new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        PrintStream serverIn = new PrintStream(server.getOutputStream(), true, StandardCharsets.UTF_8);
        String portLine = serverOut.readLine();
        if (portLine == null || !portLine.startsWith("PORT ")) {
            throw new IllegalStateException("the server did not start: " + portLine);
        }
        int port = Integer.parseInt(portLine.substring(5).trim());
        String base = "http://127.0.0.1:" + port;
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(60))
                .build();
        try {
            out.println("| measure | result | target |");
            out.println("|---|---:|---:|");
            boolean wrk = !flag(args, "--no-wrk") && Wrk.available();
            if (wrk) {
                Wrk.run(base + "/health", clients, 3, "warm-up /health (wrk)");
                Wrk.Result w = Wrk.run(base + "/health", clients, seconds, "GET /health (wrk)");
                out.printf(
                        Locale.ROOT,
                        "| `GET /health`, wrk, 2 threads, %d connections | %,.0f req/s (p50 %s, p99 %s, errors %d) | ≥ 10,000 req/s |%n",
                        clients,
                        w.perSecond(),
                        w.p50(),
                        w.p99(),
                        w.errors());
            }
            if (!wrk || flag(args, "--health-java")) {
                String health = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
                closedLoop(port, health, clients, 3, "warm-up /health");
                Phase h = closedLoop(port, health, clients, seconds, "GET /health");
                out.printf(
                        Locale.ROOT,
                        "| `GET /health`, %d clients in the load generator's JVM | %,.0f req/s (p50 %.2f ms, p99 %.2f ms, errors %d) | ≥ 10,000 req/s |%n",
                        clients,
                        h.perSecond(),
                        h.percentile(50),
                        h.percentile(99),
                        h.errors);
            }

            String body = "{\"workflow\":\"one\",\"task\":\"go\"}";
            String run = "POST /runs?wait=true HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
            closedLoop(port, run, runClients, 3, "warm-up /runs");
            Phase r = closedLoop(port, run, runClients, seconds, "POST /runs?wait=true");
            out.printf(
                    Locale.ROOT,
                    "| `POST /runs?wait=true`, one-step scripted run, SQLite ledger, %d clients | %,.0f runs/s (p50 %.2f ms, p99 %.2f ms, max %.1f ms, errors %d) | ≥ 1,000 runs/s, p99 < 50 ms |%n",
                    runClients,
                    r.perSecond(),
                    r.percentile(50),
                    r.percentile(99),
                    r.percentile(100),
                    r.errors);

            serverIn.println("heap-reset");
            serverOut.readLine();
            SseResult s = sse(http, base, sse);
            serverIn.println("heap");
            String heap = serverOut.readLine();
            long peak = Long.parseLong(heap.substring(heap.indexOf(' ') + 1).trim());
            out.printf(
                    Locale.ROOT,
                    "| %,d concurrent SSE streams (%d tokens each, %d ms apart) | %,d completed, %,d held open at once, %,d with tokens flowing at once, %,d tokens received in %.1f s, server peak heap used %,.0f MiB (-Xmx1g) | 2,000 open, heap < 1 GiB |%n",
                    sse,
                    SSE_TOKENS,
                    SSE_DELAY.toMillis(),
                    s.completed,
                    s.peakOpen,
                    s.peakStreaming,
                    s.tokens,
                    s.seconds,
                    peak / 1048576.0);
        } finally {
            serverIn.println("stop");
            server.waitFor();
        }
    }

    /**
     * Requests back to back from {@code clients} virtual threads for {@code seconds}, each on its own keep-alive
     * HTTP/1.1 connection (a minimal blocking client: the JDK HttpClient's selector thread would be the bottleneck on
     * two cores, not the server).
     */
    private static Phase closedLoop(int port, String request, int clients, int seconds, String what)
            throws InterruptedException {
        byte[] bytes = request.getBytes(StandardCharsets.US_ASCII);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<long[]> latencies = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < clients; i++) {
            Thread t = Thread.ofVirtual().start(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                java.net.Socket socket = null;
                try {
                    while (System.nanoTime() < end) {
                        if (socket == null) {
                            socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port);
                            socket.setTcpNoDelay(true);
                        }
                        long t0 = System.nanoTime();
                        int status;
                        try {
                            socket.getOutputStream().write(bytes);
                            status = readResponse(socket.getInputStream());
                        } catch (IOException e) {
                            errors.incrementAndGet();
                            socket.close();
                            socket = null;
                            continue;
                        }
                        if (status != 200) {
                            errors.incrementAndGet();
                            continue;
                        }
                        if (n == mine.length) {
                            mine = Arrays.copyOf(mine, n * 2);
                        }
                        mine[n++] = System.nanoTime() - t0;
                    }
                    if (socket != null) {
                        socket.close();
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                }
                synchronized (latencies) {
                    latencies.add(Arrays.copyOf(mine, n));
                }
            });
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        long elapsed = System.nanoTime() - start;
        int total = latencies.stream().mapToInt(a -> a.length).sum();
        long[] all = new long[total];
        int i = 0;
        for (long[] a : latencies) {
            System.arraycopy(a, 0, all, i, a.length);
            i += a.length;
        }
        Arrays.sort(all);
        Phase phase = new Phase(all, elapsed, errors.get());
        System.err.printf(
                Locale.ROOT,
                "%s: %,d requests in %.1f s, %,.0f/s, %d errors%n",
                what,
                total,
                elapsed / 1e9,
                phase.perSecond(),
                errors.get());
        return phase;
    }

    /** Reads one HTTP/1.1 response (Content-Length or chunked body) and returns its status code. */
    private static int readResponse(InputStream in) throws IOException {
        String statusLine = readLine(in);
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                length = Long.parseLong(value);
            } else if (name.equals("transfer-encoding") && value.equalsIgnoreCase("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            while (true) {
                String size = readLine(in);
                int semi = size.indexOf(';');
                long chunk = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (chunk == 0) {
                    readLine(in); // the empty line after the last chunk (no trailers)
                    break;
                }
                in.skipNBytes(chunk);
                readLine(in);
            }
        } else if (length > 0) {
            in.skipNBytes(length);
        }
        return status;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        throw new IOException("connection closed");
    }

    /** The latencies of one phase, sorted, and its duration. */
    private static final class Phase {
        private final long[] sortedNanos;
        private final long elapsedNanos;
        final long errors;

        Phase(long[] sortedNanos, long elapsedNanos, long errors) {
            this.sortedNanos = sortedNanos;
            this.elapsedNanos = elapsedNanos;
            this.errors = errors;
        }

        double perSecond() {
            return sortedNanos.length / (elapsedNanos / 1e9);
        }

        double percentile(double p) {
            if (sortedNanos.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.min(sortedNanos.length - 1, Math.ceil(p / 100.0 * sortedNanos.length) - 1);
            return sortedNanos[Math.max(0, index)] / 1e6;
        }
    }

    /**
     * What the SSE phase saw.
     *
     * @param completed streams that reached RUN_END
     * @param peakOpen most streams open at once (response headers received)
     * @param peakStreaming most streams at once between their first token and their end
     * @param tokens token events received in all
     * @param seconds from the first request to the last stream's end
     */
    record SseResult(int completed, int peakOpen, int peakStreaming, long tokens, double seconds) {}

    private static SseResult sse(HttpClient http, String base, int streams) throws InterruptedException {
        AtomicInteger open = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger streaming = new AtomicInteger();
        AtomicInteger peakStreaming = new AtomicInteger();
        AtomicLong tokens = new AtomicLong();
        CountDownLatch done = new CountDownLatch(streams);
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/stream"))
                .header("Authorization", "Bearer " + KEY)
                .header("Accept", "text/event-stream")
                .header("Content-Type", "application/json")
                .timeout(Duration.ofMinutes(2))
                .POST(HttpRequest.BodyPublishers.ofString("{\"workflow\":\"sse\",\"task\":\"go\"}"))
                .build();
        long start = System.nanoTime();
        for (int i = 0; i < streams; i++) {
            if (i > 0 && i % 50 == 0) {
                Thread.sleep(200); // ramp up at 250 connections/s: every stream lasts 20 s, so all overlap
            }
            Thread.ofVirtual().start(() -> {
                try {
                    HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
                    if (r.statusCode() != 200) {
                        r.body().close();
                        return;
                    }
                    peak.accumulateAndGet(open.incrementAndGet(), Math::max);
                    try (BufferedReader reader =
                            new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                        String line;
                        boolean flowing = false;
                        try {
                            while ((line = reader.readLine()) != null) {
                                if (line.equals("event: TOKEN_DELTA")) {
                                    tokens.incrementAndGet();
                                    if (!flowing) {
                                        flowing = true;
                                        peakStreaming.accumulateAndGet(streaming.incrementAndGet(), Math::max);
                                    }
                                } else if (line.equals("event: RUN_END")) {
                                    completed.incrementAndGet();
                                }
                            }
                        } finally {
                            if (flowing) {
                                streaming.decrementAndGet();
                            }
                        }
                    } finally {
                        open.decrementAndGet();
                    }
                } catch (IOException | InterruptedException e) {
                    System.err.println("stream failed: " + e);
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.err.printf(
                Locale.ROOT,
                "SSE: %d streams, %d completed, peak %d open, peak %d streaming tokens, %,d tokens in %.1f s%n",
                streams,
                completed.get(),
                peak.get(),
                peakStreaming.get(),
                tokens.get(),
                seconds);
        return new SseResult(completed.get(), peak.get(), peakStreaming.get(), tokens.get(), seconds);
    }

    /** The server side: a SQLite ledger in a temporary directory, two workflows, heap sampling; driven by stdin. */
    private static void serve() throws Exception {
        Path dir = Files.createTempDirectory("meshflow-server-bench");
        JdbcLedger ledger = JdbcLedger.open("jdbc:sqlite:" + dir.resolve("ledger.db"));
        Agent agent =
                Agent.builder("worker").role("bench").instructions("answer").build();
        MeshFlowServer server = MeshFlowServer.builder()
                .ledger(ledger)
                .closeLedgerOnStop(true)
                .port(0)
                .apiKeys(ApiKeys.parse(KEY + ":bench", "default"))
                .maxRunsPerTenant(100_000)
                // every SSE stream is a run that executes while it streams: the default 256 workers would queue
                // most of the 2,000 and let their tokens flow a few hundred at a time
                .workers(SSE_WORKERS)
                .metrics(new RunMetrics())
                .defaultWorkflow(new ServedWorkflow(
                        Team.sequential("one", agent),
                        ScriptedProvider.builder().fallback("ok").build(),
                        null))
                .workflow(new ServedWorkflow(
                        Team.sequential("sse", agent),
                        ScriptedProvider.builder()
                                .fallback("token ".repeat(SSE_TOKENS).trim())
                                .tokenDelay(SSE_DELAY)
                                .build(),
                        null))
                .build()
                .start();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        AtomicLong peak = new AtomicLong();
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (true) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        System.out.println("PORT " + server.port());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            switch (line) {
                case "heap-reset" -> {
                    System.gc();
                    peak.set(0);
                    System.out.println("OK");
                }
                case "heap" -> System.out.println("HEAP " + peak.get());
                case "stop" -> {
                    sampler.interrupt();
                    server.close();
                    return;
                }
                default -> System.out.println("?");
            }
            System.out.flush();
        }
        server.close();
    }

    private static boolean flag(String[] args, String name) {
        return Arrays.asList(args).contains(name);
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
