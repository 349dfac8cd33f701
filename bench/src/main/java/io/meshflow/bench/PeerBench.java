package io.meshflow.bench;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * The single-run workloads of the peer comparison ({@code bench/run-peers.sh}) for one JVM implementation, all their
 * warm-ups first and then the measurements: (1) the
 * 3-node line run {@code --linear-runs} times in a row after {@code --linear-warmup} runs, in µs per step; (2) one
 * node with a conditional back-edge, {@code --loop-iterations} iterations in one run, timed over {@code --loop-runs}
 * runs after {@code --loop-warmup}, in µs per iteration; (3) a fan-out to 100 parallel branches and a fan-in, timed
 * over {@code --fanout-runs} runs after {@code --fanout-warmup}, in ms per run. The warm-ups go on, all three in turn,
 * until {@code --warmup-seconds} have passed. Every run is checked to have run the nodes its workload says.
 *
 * <p>Prints one line per workload, {@code implementation TAB workload TAB metric TAB value}, the layout of
 * {@code bench/peers-js/bench.mjs} and of {@link PeerReport}'s input.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.meshflow.bench.PeerBench --impl KEY [--linear-runs N] ...}, KEY one of
 * {@link PeerImplementation#KEYS}.
 */
public final class PeerBench {
    private PeerBench() {}

    /** The workload sizes, defaults as the issue defines the workloads. */
    private record Sizes(
            int linearRuns,
            int linearWarmup,
            int loopIterations,
            int loopRuns,
            int loopWarmup,
            int fanOutRuns,
            int fanOutWarmup,
            int warmupSeconds) {}

    public static void main(String[] args) {
        String impl = "";
        int linearRuns = 20_000;
        int linearWarmup = 20_000;
        int loopIterations = 1_000;
        int loopRuns = 50;
        int loopWarmup = 50;
        int fanOutRuns = 500;
        int fanOutWarmup = 500;
        int warmupSeconds = 0;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("no value after " + args[i]);
            }
            String value = args[i + 1];
            switch (args[i]) {
                case "--impl" -> impl = value;
                case "--linear-runs" -> linearRuns = Integer.parseInt(value);
                case "--linear-warmup" -> linearWarmup = Integer.parseInt(value);
                case "--loop-iterations" -> loopIterations = Integer.parseInt(value);
                case "--loop-runs" -> loopRuns = Integer.parseInt(value);
                case "--loop-warmup" -> loopWarmup = Integer.parseInt(value);
                case "--fanout-runs" -> fanOutRuns = Integer.parseInt(value);
                case "--fanout-warmup" -> fanOutWarmup = Integer.parseInt(value);
                case "--warmup-seconds" -> warmupSeconds = Integer.parseInt(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Sizes sizes = new Sizes(
                linearRuns,
                linearWarmup,
                loopIterations,
                loopRuns,
                loopWarmup,
                fanOutRuns,
                fanOutWarmup,
                warmupSeconds);
        try (PeerImplementation peer = PeerImplementation.create(impl, loopIterations)) {
            run(peer, sizes, System.out);
        }
    }

    private static void run(PeerImplementation peer, Sizes sizes, PrintStream out) {
        // every warm-up first: the three workloads share most of each framework's code, and on 2 busy cores the JIT
        // is still compiling it long after the first workload's warm-up (a loop measured right after its own 30
        // warm-up runs cost 4 µs per iteration on MeshFlow, after 200 runs 0.8 µs)
        long warmupStart = System.nanoTime();
        repeat(peer::linear, PeerImplementation.LINEAR_STEPS, sizes.linearWarmup(), "linear");
        repeat(peer::loop, sizes.loopIterations(), sizes.loopWarmup(), "loop");
        repeat(peer::fanOut, Workflows.FAN_OUT + 2, sizes.fanOutWarmup(), "fan-out");
        // and for a minimum time: a faster framework finishes its warm-up runs sooner, before the JIT has caught up
        while (System.nanoTime() - warmupStart < sizes.warmupSeconds() * 1_000_000_000L) {
            repeat(peer::linear, PeerImplementation.LINEAR_STEPS, 1_000, "linear");
            repeat(peer::loop, sizes.loopIterations(), 5, "loop");
            repeat(peer::fanOut, Workflows.FAN_OUT + 2, 50, "fan-out");
        }

        double linearNanos = repeat(peer::linear, PeerImplementation.LINEAR_STEPS, sizes.linearRuns(), "linear");
        emit(out, peer, "linear", "us_per_step", linearNanos / 1e3 / (sizes.linearRuns() * 3.0));

        double loopNanos = repeat(peer::loop, sizes.loopIterations(), sizes.loopRuns(), "loop");
        emit(
                out,
                peer,
                "loop",
                "us_per_iteration",
                loopNanos / 1e3 / ((double) sizes.loopRuns() * sizes.loopIterations()));

        double fanOutNanos = repeat(peer::fanOut, Workflows.FAN_OUT + 2, sizes.fanOutRuns(), "fan-out");
        emit(out, peer, "fanout", "ms_per_run", fanOutNanos / 1e6 / sizes.fanOutRuns());
    }

    /** Runs {@code run} {@code runs} times, checking each run's node count; returns the nanoseconds they took. */
    private static long repeat(IntSupplier run, int steps, int runs, String workload) {
        long t0 = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            check(run.getAsInt(), steps, workload);
        }
        return System.nanoTime() - t0;
    }

    private static void check(int steps, int expected, String workload) {
        if (steps != expected) {
            throw new IllegalStateException(workload + " ran " + steps + " nodes, expected " + expected);
        }
    }

    private static void emit(PrintStream out, PeerImplementation peer, String workload, String metric, double value) {
        out.printf(Locale.ROOT, "%s\t%s\t%s\t%.4f%n", peer.key(), workload, metric, value);
    }
}
