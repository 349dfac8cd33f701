package io.meshflow.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs <a href="https://github.com/wg/wrk">wrk</a>, the HTTP load generator, and reads its report: a load generator
 * written in C needs a small share of the two cores the server also runs on, so the figure is the server's.
 */
final class Wrk {
    private static final Pattern REQUESTS = Pattern.compile("(?m)^Requests/sec:\\s+([0-9.]+)");
    private static final Pattern PERCENTILE = Pattern.compile("(?m)^\\s+(50|99)%\\s+(\\S+)");
    private static final Pattern NON_2XX = Pattern.compile("(?m)^\\s+Non-2xx or 3xx responses:\\s+(\\d+)");
    private static final Pattern SOCKET_ERRORS =
            Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

    private Wrk() {}

    /**
     * What wrk measured.
     *
     * @param perSecond requests per second
     * @param p50 median latency as wrk prints it (e.g. {@code 2.31ms})
     * @param p99 99th percentile latency as wrk prints it
     * @param errors non-2xx/3xx responses plus socket errors
     */
    record Result(double perSecond, String p50, String p99, long errors) {}

    /** Whether a {@code wrk} executable is on the PATH. */
    static boolean available() {
        try {
            Process p = new ProcessBuilder("wrk", "--version")
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Loads {@code url} with {@code connections} keep-alive connections on 2 threads for {@code seconds}. */
    static Result run(String url, int connections, int seconds, String what) throws IOException, InterruptedException {
        List<String> command =
                List.of("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--timeout", "10s", "--latency", url);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String report = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("wrk failed: " + report);
        }
        Result r = parse(report);
        System.err.printf(
                Locale.ROOT,
                "%s: %,.0f req/s, p50 %s, p99 %s, %d errors%n",
                what,
                r.perSecond(),
                r.p50(),
                r.p99(),
                r.errors());
        return r;
    }

    static Result parse(String report) {
        Matcher rps = REQUESTS.matcher(report);
        if (!rps.find()) {
            throw new IllegalStateException("no Requests/sec in wrk's report: " + report);
        }
        String p50 = "?";
        String p99 = "?";
        Matcher pct = PERCENTILE.matcher(report);
        while (pct.find()) {
            if (pct.group(1).equals("50")) {
                p50 = pct.group(2);
            } else {
                p99 = pct.group(2);
            }
        }
        long errors = 0;
        Matcher non2xx = NON_2XX.matcher(report);
        if (non2xx.find()) {
            errors += Long.parseLong(non2xx.group(1));
        }
        Matcher socket = SOCKET_ERRORS.matcher(report);
        if (socket.find()) {
            for (int g = 1; g <= 4; g++) {
                errors += Long.parseLong(socket.group(g));
            }
        }
        return new Result(Double.parseDouble(rps.group(1)), p50, p99, errors);
    }
}
