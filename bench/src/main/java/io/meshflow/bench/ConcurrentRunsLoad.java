package io.meshflow.bench;

import io.meshflow.Mesh;
import io.meshflow.RunHandle;
import io.meshflow.RunRequest;
import io.meshflow.workflow.WorkflowDefinition;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Load test (not JMH): N runs started at once, each a three-step line whose every step waits 50 ms, so an ideal engine
 * finishes the whole batch in 150 ms however large N is. Each run is started with {@code Mesh.stream} (its own virtual
 * thread; its events are buffered for a consumer that never reads them) and the batch is timed from the first start to
 * the last finish.
 *
 * <p>Forms of the 50 ms step: {@code agent}, an agent node on a {@code ScriptedProvider} with a one-token reply and a
 * 50 ms token delay; {@code function}, a function node doing {@code Thread.sleep(50)}; and {@code baseline}, no engine
 * at all (one virtual thread per "run" sleeping 3 × 50 ms), the floor this machine and JVM allow. The peer comparison
 * ({@code bench/run-peers.sh}) adds one form per {@link PeerImplementation} key, each run a
 * {@link PeerImplementation#slowLinear()} on its own virtual thread ({@code --form peers} for all). Each form is warmed
 * up once with a smaller batch, then every batch size is run once per round, {@code --rounds} rounds (default 3: on a
 * 2-core machine the C2 compiler still competes with the runs in the first rounds; the last is closest to the steady
 * state). Every batch gets a fresh mesh (fresh ledger and provider) and starts after a full GC. Heap is read from the
 * memory pools (peak since the batch started, and after the batch before and after a full GC) and the process's peak
 * RSS from {@code VmHWM}, reset before each batch through {@code /proc/self/clear_refs} where the kernel allows it.
 * With {@code --threads}, each batch's CPU time is also logged by thread group (virtual-thread carriers, step timer,
 * JIT compiler, GC, main), from {@code /proc/self/task}.
 *
 * <p>Run it with a fixed heap ({@code -Xms1g -Xmx1g}): the forced full GC between batches would otherwise shrink the
 * heap to a few MiB and the next batch would pay for regrowing it.
 *
 * <p>Usage: {@code java -Xms1g -Xmx1g -cp benchmarks.jar io.meshflow.bench.ConcurrentRunsLoad [--warmup N]
 * [--rounds R] [--form agent|function|baseline|all|diagnostics|peers|KEY] [--threads] [--tsv FILE] [N ...]} (default
 * batches
 * 1000 and 10000, warm-up 500). Prints a markdown table on standard output, progress on standard error.
 */
public final class ConcurrentRunsLoad {
    private static final long STEP_MS = 50;
    private static final int STEPS = 3;
    private static final long IDEAL_MS = STEP_MS * STEPS;

    /** {@code --threads}: log each batch's CPU time by thread group (carriers, step timer, JIT, GC, ...). */
    private static boolean threadBreakdown;

    private ConcurrentRunsLoad() {}

    /** Starts one batch's runs; {@link #start} returns a future telling whether that run completed. */
    private interface Launcher extends AutoCloseable {
        CompletableFuture<Boolean> start();

        @Override
        void close();
    }

    /** Which runs of this test a form belongs to. */
    private enum Group {
        /** {@code bench/run.sh}'s load section. */
        REPORT,
        /** Variants that tell where the time goes; only on request. */
        DIAGNOSTIC,
        /** The peer comparison of {@code bench/run-peers.sh}: {@link PeerImplementation#slowLinear()}. */
        PEER
    }

    /** One form of the 50 ms step. */
    private record Form(String key, String name, Group group, Supplier<Launcher> launchers) {}

    /** What one batch measured. */
    private record Batch(
            Form form,
            int round,
            int runs,
            int completed,
            double startMs,
            double wallMs,
            double meanRunMs,
            double maxRunMs,
            double cpuMs,
            long peakHeap,
            long heapAfter,
            long liveAfterGc,
            long gcCount,
            long gcMs,
            long peakRss,
            boolean rssReset) {

        double ratio() {
            return wallMs / IDEAL_MS;
        }

        double runsPerSecond() {
            return runs / (wallMs / 1000.0);
        }

        double limit() {
            return runs <= 1_000 ? 1.1 : 1.2;
        }

        boolean met() {
            return completed == runs && ratio() <= limit() && peakHeap < (1L << 30);
        }
    }

    public static void main(String[] args) throws IOException {
        List<Integer> sizes = new ArrayList<>();
        int warmup = 500;
        int rounds = 3;
        @Nullable Path tsv = null;
        String only = "all";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--tsv" -> tsv = Path.of(args[++i]);
                case "--form" -> only = args[++i];
                case "--threads" -> threadBreakdown = true;
                default -> sizes.add(Integer.parseInt(args[i].replace("_", "").replace(",", "")));
            }
        }
        if (sizes.isEmpty()) {
            sizes = List.of(1_000, 10_000);
        }
        String wanted = only;
        List<Form> forms = forms().stream().filter(f -> selected(f, wanted)).toList();

        PrintStream log = System.err;
        log.printf(
                Locale.ROOT,
                "java %s, %d processors, max heap %d MiB%n",
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);
        List<Batch> results = new ArrayList<>();
        for (Form form : forms) {
            Batch w = batch(form, 0, warmup);
            log.printf(Locale.ROOT, "%-8s warm-up  %6d runs: %8.1f ms%n", form.key(), warmup, w.wallMs());
            for (int round = 1; round <= rounds; round++) {
                for (int size : sizes) {
                    Batch b = batch(form, round, size);
                    log.printf(
                            Locale.ROOT,
                            "%-8s round %d %6d runs: %8.1f ms (%.2fx ideal), started in %.1f ms%n",
                            form.key(),
                            round,
                            size,
                            b.wallMs(),
                            b.ratio(),
                            b.startMs());
                    results.add(b);
                }
            }
        }

        System.out.println(table(results));
        if (tsv != null) {
            StringBuilder out = new StringBuilder("form\tround\truns\tcompleted\tstart_ms\twall_ms\tratio\tlimit"
                    + "\truns_per_s\tcpu_ms\tpeak_heap_mib\tlive_after_gc_mib\tpeak_rss_mib\tmet\n");
            for (Batch b : results) {
                out.append(String.format(
                        Locale.ROOT,
                        "%s\t%d\t%d\t%d\t%.1f\t%.1f\t%.3f\t%.1f\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t%s%n",
                        b.form().key(),
                        b.round(),
                        b.runs(),
                        b.completed(),
                        b.startMs(),
                        b.wallMs(),
                        b.ratio(),
                        b.limit(),
                        b.runsPerSecond(),
                        b.cpuMs(),
                        mib(b.peakHeap()),
                        mib(b.liveAfterGc()),
                        mib(b.peakRss()),
                        b.met() ? "yes" : "no"));
            }
            Files.writeString(tsv, out, StandardCharsets.UTF_8);
        }
    }

    /**
     * {@code all}: the forms of the report; {@code diagnostics}: the function form and its diagnostic variants;
     * {@code peers}: the peer comparison's forms; else the form with that key.
     */
    private static boolean selected(Form form, String wanted) {
        return switch (wanted) {
            case "all" -> form.group() == Group.REPORT;
            case "diagnostics" -> form.group() == Group.DIAGNOSTIC || form.key().equals("function");
            case "peers" -> form.group() == Group.PEER;
            default -> form.key().equals(wanted);
        };
    }

    private static List<Form> forms() {
        WorkflowDefinition agents = Workflows.linearAgents();
        WorkflowDefinition functions = Workflows.linearFunctions((input, ctx) -> {
            Thread.sleep(STEP_MS);
            return Workflows.REPLY;
        });
        List<Form> forms = new ArrayList<>(List.of(
                new Form(
                        "agent",
                        "agent nodes (ScriptedProvider, 1 token, tokenDelay 50 ms)",
                        Group.REPORT,
                        () -> meshLauncher(Workflows.mesh(Workflows.provider(Duration.ofMillis(STEP_MS))), agents)),
                new Form(
                        "function",
                        "function nodes (Thread.sleep(50))",
                        Group.REPORT,
                        () -> meshLauncher(Workflows.mesh(Workflows.provider(Duration.ZERO)), functions)),
                new Form(
                        "function-run",
                        "diagnostic: function nodes, Mesh.run on a virtual thread (no event stream)",
                        Group.DIAGNOSTIC,
                        () -> runLauncher(Workflows.mesh(Workflows.provider(Duration.ZERO)), functions)),
                new Form(
                        "function-notimeout",
                        "diagnostic: function nodes, policy step_timeout 0 (no StepGuard timer)",
                        Group.DIAGNOSTIC,
                        () -> meshLauncher(noTimeoutMesh(), functions)),
                new Form(
                        "function-run-notimeout",
                        "diagnostic: function nodes, Mesh.run on a virtual thread and step_timeout 0",
                        Group.DIAGNOSTIC,
                        () -> runLauncher(noTimeoutMesh(), functions)),
                new Form(
                        "baseline",
                        "baseline: bare virtual threads, 3 × Thread.sleep(50), no engine",
                        Group.REPORT,
                        () -> new Launcher() {
                            @Override
                            public CompletableFuture<Boolean> start() {
                                CompletableFuture<Boolean> done = new CompletableFuture<>();
                                Thread.startVirtualThread(() -> {
                                    try {
                                        for (int s = 0; s < STEPS; s++) {
                                            Thread.sleep(STEP_MS);
                                        }
                                        done.complete(true);
                                    } catch (InterruptedException e) {
                                        done.complete(false);
                                    }
                                });
                                return done;
                            }

                            @Override
                            public void close() {}
                        })));
        for (String key : PeerImplementation.KEYS) {
            forms.add(new Form(
                    key,
                    "peer comparison: " + key + ", 3 nodes each sleeping 50 ms then appending to the state",
                    Group.PEER,
                    () -> peerLauncher(PeerImplementation.create(key, 1))));
        }
        return forms;
    }

    /** Runs {@link PeerImplementation#slowLinear()} on a new virtual thread each. */
    private static Launcher peerLauncher(PeerImplementation peer) {
        return new Launcher() {
            @Override
            public CompletableFuture<Boolean> start() {
                CompletableFuture<Boolean> done = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> {
                    try {
                        done.complete(peer.slowLinear() == PeerImplementation.LINEAR_STEPS);
                    } catch (RuntimeException e) {
                        done.completeExceptionally(e);
                    }
                });
                return done;
            }

            @Override
            public void close() {
                peer.close();
            }
        };
    }

    private static Mesh noTimeoutMesh() {
        return Workflows.meshBuilder(Workflows.provider(Duration.ZERO), Workflows.policyWithoutStepTimeout())
                .build();
    }

    /** Runs with {@code Mesh.run} on a new virtual thread each: no event subscriber, so no event is built. */
    private static Launcher runLauncher(Mesh mesh, WorkflowDefinition workflow) {
        RunRequest request = RunRequest.of(workflow, Workflows.TASK);
        return new Launcher() {
            @Override
            public CompletableFuture<Boolean> start() {
                CompletableFuture<Boolean> done = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> {
                    try {
                        done.complete(mesh.run(request).isCompleted());
                    } catch (RuntimeException e) {
                        done.completeExceptionally(e);
                    }
                });
                return done;
            }

            @Override
            public void close() {
                mesh.close();
            }
        };
    }

    private static Launcher meshLauncher(Mesh mesh, WorkflowDefinition workflow) {
        RunRequest request = RunRequest.of(workflow, Workflows.TASK);
        List<RunHandle> handles = new ArrayList<>();
        return new Launcher() {
            @Override
            public CompletableFuture<Boolean> start() {
                RunHandle handle = mesh.stream(request);
                handles.add(handle); // keeps the run's buffered events reachable, as a live consumer would
                return handle.future().thenApply(result -> result.isCompleted());
            }

            @Override
            public void close() {
                handles.forEach(RunHandle::close);
                mesh.close();
            }
        };
    }

    private static Batch batch(Form form, int round, int runs) {
        List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .toList();
        List<GarbageCollectorMXBean> gcs = ManagementFactory.getGarbageCollectorMXBeans();
        try (Launcher launcher = form.launchers().get()) {
            System.gc();
            heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
            boolean rssReset = resetPeakRss();
            long gcCount0 = gcs.stream()
                    .mapToLong(GarbageCollectorMXBean::getCollectionCount)
                    .sum();
            long gcMs0 = gcs.stream()
                    .mapToLong(GarbageCollectorMXBean::getCollectionTime)
                    .sum();

            Map<String, Long> threads0 = threadBreakdown ? threadCpuNanos() : Map.of();
            long cpu0 = processCpuNanos();
            AtomicLong lastEnd = new AtomicLong();
            long[] starts = new long[runs];
            long[] ends = new long[runs];
            List<CompletableFuture<Boolean>> done = new ArrayList<>(runs);
            long t0 = System.nanoTime();
            for (int i = 0; i < runs; i++) {
                int k = i;
                starts[k] = System.nanoTime();
                done.add(launcher.start().whenComplete((ok, error) -> {
                    long now = System.nanoTime();
                    ends[k] = now;
                    lastEnd.accumulateAndGet(now, Math::max);
                }));
            }
            double startMs = (System.nanoTime() - t0) / 1e6;
            int completed = 0;
            for (CompletableFuture<Boolean> f : done) {
                if (f.join()) {
                    completed++;
                }
            }
            double wallMs = (lastEnd.get() - t0) / 1e6;
            double cpuMs = (processCpuNanos() - cpu0) / 1e6;
            if (threadBreakdown) {
                logThreadCpu(form.key() + " " + runs, threads0, threadCpuNanos());
            }

            long peakHeap = heapPools.stream()
                    .mapToLong(p -> p.getPeakUsage().getUsed())
                    .sum();
            long heapAfter =
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            long gcCount = gcs.stream()
                            .mapToLong(GarbageCollectorMXBean::getCollectionCount)
                            .sum()
                    - gcCount0;
            long gcMs = gcs.stream()
                            .mapToLong(GarbageCollectorMXBean::getCollectionTime)
                            .sum()
                    - gcMs0;
            long peakRss = procStatus("VmHWM");
            System.gc();
            long liveAfterGc =
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();

            double sumRun = 0;
            double maxRun = 0;
            for (int i = 0; i < runs; i++) {
                double ms = (ends[i] - starts[i]) / 1e6;
                sumRun += ms;
                maxRun = Math.max(maxRun, ms);
            }
            return new Batch(
                    form,
                    round,
                    runs,
                    completed,
                    startMs,
                    wallMs,
                    sumRun / runs,
                    maxRun,
                    cpuMs,
                    peakHeap,
                    heapAfter,
                    liveAfterGc,
                    gcCount,
                    gcMs,
                    peakRss,
                    rssReset);
        }
    }

    private static String table(List<Batch> results) {
        StringBuilder t = new StringBuilder();
        t.append("| step form | round | concurrent runs | completed | all started after ms"
                + " | wall ms (first start → last finish) | × ideal 150 ms | target | mean / max run ms | runs/s"
                + " | process CPU ms (µs per run)"
                + " | peak heap MiB | heap after batch MiB | live after GC MiB | GCs (ms) | peak RSS MiB | met |\n");
        t.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Batch b : results) {
            t.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %,d | %,d | %.1f | %.1f | %.2f | ≤ %.1f | %.1f / %.1f | %,.0f | %,.0f (%.0f) | %.0f | %.0f | %.0f"
                            + " | %d (%d) | %.0f%s | %s |%n",
                    b.form().name(),
                    b.round(),
                    b.runs(),
                    b.completed(),
                    b.startMs(),
                    b.wallMs(),
                    b.ratio(),
                    b.limit(),
                    b.meanRunMs(),
                    b.maxRunMs(),
                    b.runsPerSecond(),
                    b.cpuMs(),
                    b.cpuMs() * 1000 / b.runs(),
                    mib(b.peakHeap()),
                    mib(b.heapAfter()),
                    mib(b.liveAfterGc()),
                    b.gcCount(),
                    b.gcMs(),
                    mib(b.peakRss()),
                    b.rssReset() ? "" : " (process peak)",
                    b.form().key().equals("baseline") ? "(floor)" : b.met() ? "yes" : "**no**"));
        }
        return t.toString();
    }

    /**
     * CPU time of every thread of this process (JVM-internal ones included), keyed {@code tid name}, from
     * {@code /proc/self/task/TID/schedstat} (nanoseconds on CPU); empty where that is not available.
     */
    private static Map<String, Long> threadCpuNanos() {
        Map<String, Long> cpu = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    String name = Files.readString(task.resolve("comm"), StandardCharsets.US_ASCII)
                            .trim();
                    String stat = Files.readString(task.resolve("schedstat"), StandardCharsets.US_ASCII)
                            .trim();
                    int space = stat.indexOf(' ');
                    cpu.put(
                            task.getFileName() + " " + name,
                            Long.parseLong(space < 0 ? stat : stat.substring(0, space)));
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
        return cpu;
    }

    private static void logThreadCpu(String what, Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> groups = new TreeMap<>();
        after.forEach((thread, nanos) -> {
            long used = nanos - before.getOrDefault(thread, 0L);
            String name = thread.substring(thread.indexOf(' ') + 1);
            String group;
            if (name.startsWith("ForkJoinPool")) {
                group = "virtual-thread carriers";
            } else if (name.startsWith("meshflow-step")) {
                group = "step timer (meshflow-step-timer)";
            } else if (name.startsWith("C1 ") || name.startsWith("C2 ")) {
                group = "JIT compiler";
            } else if (name.startsWith("GC ") || name.startsWith("G1 ")) {
                group = "GC";
            } else if (name.equals("main") || name.equals("java")) {
                group = "main (starts the runs)";
            } else {
                group = "other JVM threads";
            }
            groups.merge(group, used, Long::sum);
        });
        StringBuilder line =
                new StringBuilder("  cpu by thread group, ").append(what).append(':');
        groups.forEach((group, nanos) -> line.append(String.format(Locale.ROOT, " %s %.0f ms;", group, nanos / 1e6)));
        System.err.println(line);
    }

    /** CPU time used by the whole process (all threads, GC and JIT included), or -1 where not available. */
    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime()
                : -1;
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    /** Resets the kernel's peak-RSS mark for this process ({@code VmHWM}); false where that is not allowed. */
    private static boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5", StandardCharsets.US_ASCII);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A {@code /proc/self/status} field in bytes, or -1. */
    private static long procStatus(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith(field + ":")) {
                    String value = line.substring(field.length() + 1).trim();
                    int space = value.indexOf(' ');
                    return Long.parseLong(space < 0 ? value : value.substring(0, space)) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not on Linux
        }
        return -1;
    }
}
