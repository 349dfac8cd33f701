package io.meshflow.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the outputs of {@code bench/run-peers.sh} into the tables of RESULTS.md's peer section: per implementation the
 * median and range over the repeats, MeshFlow/peer ratios (the median of the per-repeat ratios: the implementations
 * alternate within each repeat, so a ratio compares measurements taken moments apart), and the targets.
 *
 * <p>Inputs: {@code SINGLE_TSV} with lines {@code repeat TAB implementation TAB workload TAB metric TAB value}
 * ({@link PeerBench} and {@code bench/peers-js/bench.mjs}, prefixed with the repeat), and {@code CONCURRENT_TSV} in
 * {@link ConcurrentRunsLoad}'s column layout, its {@code round} column holding the repeat.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.meshflow.bench.PeerReport SINGLE_TSV CONCURRENT_TSV}
 */
public final class PeerReport {
    private static final String MESHFLOW = "meshflow-memory";
    private static final String MESHFLOW_SQLITE = "meshflow-sqlite";
    private static final String MESHFLOW_SQLITE_ASYNC = "meshflow-sqlite-async";
    private static final String LANGGRAPH4J = "langgraph4j";
    private static final String LANGGRAPH4J_SAVER = "langgraph4j-saver";
    private static final String LANGGRAPHJS = "langgraphjs";
    /** {@link SqliteFloorPeer}: MeshFlow's rows, one plain-JDBC SQLite transaction per run, no framework. */
    private static final String FLOOR = "sqlite-floor";
    /** {@link ConcurrentRunsLoad}'s form without a framework: the machine's floor for workload 4. */
    private static final String BASELINE = "baseline";

    private static final double IDEAL_MS = 150;

    private static final Map<String, String> NAMES = Map.of(
            MESHFLOW, "MeshFlow, in-memory ledger",
            MESHFLOW_SQLITE, "MeshFlow, SQLite ledger (durable, SYNC)",
            MESHFLOW_SQLITE_ASYNC, "MeshFlow, SQLite ledger (durable, ASYNC)",
            LANGGRAPH4J, "LangGraph4j, in memory",
            LANGGRAPH4J_SAVER, "LangGraph4j, MemorySaver",
            LANGGRAPHJS, "LangGraph.js, MemorySaver",
            FLOOR, "no framework: MeshFlow's rows, one SQLite commit per run (durable floor)",
            BASELINE, "no framework: bare virtual threads, 3 × Thread.sleep(50) (machine floor)");

    private static final List<String> ORDER = List.of(
            MESHFLOW,
            MESHFLOW_SQLITE,
            MESHFLOW_SQLITE_ASYNC,
            LANGGRAPH4J,
            LANGGRAPH4J_SAVER,
            LANGGRAPHJS,
            FLOOR,
            BASELINE);

    /** A single-run workload: its key in the TSV and how the tables name it. */
    private record Workload(String key, String name, String unit) {}

    private static final List<Workload> WORKLOADS = List.of(
            new Workload("linear", "linear 3-node graph", "µs per step"),
            new Workload("loop", "1 node, conditional back-edge, 1,000 iterations in one run", "µs per iteration"),
            new Workload("fanout", "fan-out to 100 parallel branches + fan-in", "ms per run"));

    /** One measurement of a single-run workload. */
    private record Single(int repeat, String impl, String workload, double value) {}

    /** One concurrent batch. */
    private record Batch(
            int repeat, String impl, int runs, int completed, double wallMs, double runsPerSecond, double rssMib) {}

    /** A MeshFlow/peer pair of the ratio table. */
    private record Ratio(String meshflow, String peer) {}

    private PeerReport() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: PeerReport SINGLE_TSV CONCURRENT_TSV");
            System.exit(2);
        }
        List<Single> singles = readSingles(Path.of(args[0]));
        List<Batch> batches = readBatches(Path.of(args[1]));
        StringBuilder out = new StringBuilder();
        singleTable(out, singles);
        ratioTable(out, singles);
        concurrentTable(out, batches);
        targets(out, singles, batches);
        System.out.print(out);
    }

    private static List<Single> readSingles(Path tsv) throws IOException {
        List<Single> out = new ArrayList<>();
        for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", -1);
            if (f.length == 5) {
                out.add(new Single(Integer.parseInt(f[0]), f[1], f[2], Double.parseDouble(f[4])));
            }
        }
        return out;
    }

    private static List<Batch> readBatches(Path tsv) throws IOException {
        List<Batch> out = new ArrayList<>();
        for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", -1);
            if (f.length < 13 || f[0].equals("form")) {
                continue;
            }
            // ConcurrentRunsLoad's columns: form round runs completed start_ms wall_ms ratio limit runs_per_s cpu_ms
            // peak_heap_mib live_after_gc_mib peak_rss_mib met
            out.add(new Batch(
                    Integer.parseInt(f[1]),
                    f[0],
                    Integer.parseInt(f[2]),
                    Integer.parseInt(f[3]),
                    Double.parseDouble(f[5]),
                    Double.parseDouble(f[8]),
                    Double.parseDouble(f[12].split(" ", -1)[0])));
        }
        return out;
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** "median (min–max, n)" of the values, or "—". */
    private static String summary(List<Double> values) {
        if (values.isEmpty()) {
            return "—";
        }
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        return String.format(
                Locale.ROOT,
                "**%s** (%s–%s, n=%d)",
                Report.num(median(values)),
                Report.num(min),
                Report.num(max),
                values.size());
    }

    private static List<Double> values(List<Single> singles, String impl, String workload) {
        return singles.stream()
                .filter(s -> s.impl().equals(impl) && s.workload().equals(workload))
                .map(Single::value)
                .toList();
    }

    private static List<String> present(List<Single> singles) {
        return ORDER.stream()
                .filter(impl -> singles.stream().anyMatch(s -> s.impl().equals(impl)))
                .toList();
    }

    private static void singleTable(StringBuilder out, List<Single> singles) {
        List<String> impls = present(singles);
        out.append("### Single runs: median (range, repeats)\n\n| workload |");
        impls.forEach(impl -> out.append(' ').append(NAMES.get(impl)).append(" |"));
        out.append("\n|---|");
        impls.forEach(impl -> out.append("---:|"));
        out.append('\n');
        for (Workload w : WORKLOADS) {
            out.append("| ").append(w.name()).append(", ").append(w.unit()).append(" |");
            impls.forEach(impl -> out.append(' ')
                    .append(summary(values(singles, impl, w.key())))
                    .append(" |"));
            out.append('\n');
        }
        out.append('\n');
    }

    /** Per repeat, MeshFlow's value over the peer's; repeats missing either are left out. */
    private static List<Double> ratios(List<Single> singles, String workload, String meshflow, String peer) {
        Map<Integer, Double> mine = new TreeMap<>();
        Map<Integer, Double> theirs = new TreeMap<>();
        for (Single s : singles) {
            if (s.workload().equals(workload)) {
                if (s.impl().equals(meshflow)) {
                    mine.put(s.repeat(), s.value());
                } else if (s.impl().equals(peer)) {
                    theirs.put(s.repeat(), s.value());
                }
            }
        }
        List<Double> out = new ArrayList<>();
        mine.forEach((repeat, value) -> {
            Double other = theirs.get(repeat);
            if (other != null && other > 0) {
                out.add(value / other);
            }
        });
        return out;
    }

    private static final List<Ratio> RATIOS = List.of(
            new Ratio(MESHFLOW, LANGGRAPH4J),
            new Ratio(MESHFLOW, LANGGRAPH4J_SAVER),
            new Ratio(MESHFLOW, LANGGRAPHJS),
            new Ratio(MESHFLOW_SQLITE, LANGGRAPH4J),
            new Ratio(MESHFLOW_SQLITE, LANGGRAPH4J_SAVER),
            new Ratio(MESHFLOW_SQLITE, LANGGRAPHJS),
            new Ratio(MESHFLOW_SQLITE_ASYNC, LANGGRAPH4J_SAVER),
            new Ratio(MESHFLOW_SQLITE_ASYNC, LANGGRAPHJS),
            new Ratio(MESHFLOW_SQLITE, FLOOR),
            new Ratio(MESHFLOW_SQLITE_ASYNC, FLOOR),
            new Ratio(FLOOR, LANGGRAPH4J_SAVER));

    private static void ratioTable(StringBuilder out, List<Single> singles) {
        out.append("### MeshFlow / peer: median of the per-repeat ratios (range); below 1 the first is faster\n\n");
        out.append("| ratio |");
        WORKLOADS.forEach(w ->
                out.append(' ').append(w.key()).append(" (").append(w.unit()).append(") |"));
        out.append("\n|---|");
        WORKLOADS.forEach(w -> out.append("---:|"));
        out.append('\n');
        for (Ratio r : RATIOS) {
            if (ratios(singles, "linear", r.meshflow(), r.peer()).isEmpty()) {
                continue;
            }
            out.append("| ")
                    .append(NAMES.get(r.meshflow()))
                    .append(" / ")
                    .append(NAMES.get(r.peer()))
                    .append(" |");
            for (Workload w : WORKLOADS) {
                List<Double> ratios = ratios(singles, w.key(), r.meshflow(), r.peer());
                out.append(' ').append(ratioSummary(ratios)).append(" |");
            }
            out.append('\n');
        }
        out.append('\n');
    }

    private static String ratioSummary(List<Double> ratios) {
        if (ratios.isEmpty()) {
            return "—";
        }
        double min = ratios.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = ratios.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        return String.format(
                Locale.ROOT, "%s (%s–%s) = 1/%s", ratio(median(ratios)), ratio(min), ratio(max), inverse(ratios));
    }

    private static String ratio(double r) {
        return String.format(Locale.ROOT, r >= 0.1 ? "%.2f" : r >= 0.01 ? "%.3f" : "%.4f", r);
    }

    private static String inverse(List<Double> ratios) {
        double m = median(ratios);
        return m > 0 ? Report.num(1 / m) : "∞";
    }

    private static List<Batch> batches(List<Batch> all, String impl, int runs) {
        return all.stream()
                .filter(b -> b.impl().equals(impl) && b.runs() == runs)
                .toList();
    }

    private static void concurrentTable(StringBuilder out, List<Batch> all) {
        out.append(
                "### Concurrent runs: 3 nodes in a line, each waiting 50 ms (ideal 150 ms); median (range, repeats)");
        out.append(
                "\n\n| implementation | concurrent runs | completed (all repeats) | wall ms, first start → last finish");
        out.append(" | × ideal | runs/s | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|\n");
        List<Integer> sizes = all.stream().map(Batch::runs).distinct().sorted().toList();
        for (int runs : sizes) {
            for (String impl : ORDER) {
                List<Batch> b = batches(all, impl, runs);
                if (b.isEmpty()) {
                    continue;
                }
                List<Double> wall = b.stream().map(Batch::wallMs).toList();
                out.append(String.format(
                        Locale.ROOT,
                        "| %s | %,d | %,d / %,d | %s | %.2f | %s | %s |%n",
                        NAMES.get(impl),
                        runs,
                        b.stream().mapToInt(Batch::completed).sum(),
                        runs * b.size(),
                        summary(wall),
                        median(wall) / IDEAL_MS,
                        summary(b.stream().map(Batch::runsPerSecond).toList()),
                        summary(b.stream().map(Batch::rssMib).toList())));
            }
        }
        out.append('\n');
    }

    private static void targets(StringBuilder out, List<Single> singles, List<Batch> batches) {
        out.append("### Targets (issue 13), judged on the medians above\n\n");
        out.append("| target | measured | met |\n|---|---|---|\n");
        Map<String, String> rows = new LinkedHashMap<>();
        ratioTarget(rows, singles, "linear", MESHFLOW, LANGGRAPH4J, 0.25, "per step, MeshFlow in memory ≤ 1/4 of", "");
        ratioTarget(
                rows, singles, "loop", MESHFLOW, LANGGRAPH4J, 0.25, "per iteration, MeshFlow in memory ≤ 1/4 of", "");
        ratioTarget(
                rows, singles, "linear", MESHFLOW, LANGGRAPHJS, 0.01, "per step, MeshFlow in memory ≤ 1/100 of", "");
        ratioTarget(
                rows, singles, "loop", MESHFLOW, LANGGRAPHJS, 0.01, "per iteration, MeshFlow in memory ≤ 1/100 of", "");
        for (Workload w : WORKLOADS) {
            ratioTarget(
                    rows,
                    singles,
                    w.key(),
                    MESHFLOW_SQLITE,
                    LANGGRAPH4J_SAVER,
                    1,
                    w.key() + " (" + w.unit() + "), MeshFlow on its durable SQLite ledger (SYNC) no slower than",
                    floorNote(singles, w.key()));
        }
        for (Workload w : WORKLOADS) {
            ratioTarget(
                    rows,
                    singles,
                    w.key(),
                    MESHFLOW_SQLITE_ASYNC,
                    LANGGRAPH4J_SAVER,
                    1,
                    w.key() + " (" + w.unit() + "), MeshFlow on its durable SQLite ledger (ASYNC) no slower than",
                    floorNote(singles, w.key()));
        }
        List<Batch> mine = batches(batches, MESHFLOW, 1_000);
        if (!mine.isEmpty()) {
            double wall = median(mine.stream().map(Batch::wallMs).toList());
            boolean all = mine.stream().allMatch(b -> b.completed() == b.runs());
            List<Batch> floor = batches(batches, BASELINE, 1_000);
            String floorNote = floor.isEmpty()
                    ? ""
                    : String.format(
                            Locale.ROOT,
                            " (machine floor in the same run, bare virtual threads: %.2f × ideal)",
                            median(floor.stream().map(Batch::wallMs).toList()) / IDEAL_MS);
            rows.put(
                    "1,000 concurrent runs, MeshFlow in memory ≤ 1.1 × ideal (165 ms)",
                    String.format(
                                    Locale.ROOT,
                                    "%.1f ms = %.2f × ideal%s",
                                    wall,
                                    wall / IDEAL_MS,
                                    all ? "" : ", runs lost")
                            + floorNote
                            + " | " + met(all && wall <= 1.1 * IDEAL_MS));
            double rss = median(mine.stream().map(Batch::rssMib).toList());
            for (String peer : List.of(LANGGRAPH4J, LANGGRAPHJS)) {
                List<Batch> theirs = batches(batches, peer, 1_000);
                if (theirs.isEmpty()) {
                    continue;
                }
                double peerRss = median(theirs.stream().map(Batch::rssMib).toList());
                rows.put(
                        "1,000 concurrent runs, peak RSS of MeshFlow in memory below " + NAMES.get(peer),
                        String.format(Locale.ROOT, "%.0f MiB vs %.0f MiB", rss, peerRss) + " | " + met(rss < peerRss));
            }
        }
        rows.forEach((target, measured) ->
                out.append("| ").append(target).append(" | ").append(measured).append(" |\n"));
        out.append('\n');
    }

    /** A target row: MeshFlow's median over the peer's against {@code maximum}, {@code note} after the values. */
    @SuppressWarnings("TooManyParameters") // the row's parts, as the caller names them
    private static void ratioTarget(
            Map<String, String> rows,
            List<Single> singles,
            String workload,
            String meshflow,
            String peer,
            double maximum,
            String what,
            String note) {
        List<Double> ratios = ratios(singles, workload, meshflow, peer);
        if (ratios.isEmpty()) {
            return;
        }
        double m = median(ratios);
        rows.put(
                what + " " + NAMES.get(peer),
                String.format(
                                Locale.ROOT,
                                "%s vs %s = %s (1/%s)",
                                Report.num(median(values(singles, meshflow, workload))),
                                Report.num(median(values(singles, peer, workload))),
                                ratio(m),
                                Report.num(1 / m))
                        + note
                        + " | " + met(m <= maximum));
    }

    /**
     * The durable floor measured in the same repeats, beside a durable target: what one commit per run costs here
     * before any engine work, and how it compares with the in-memory saver; empty when the floor was not run.
     */
    private static String floorNote(List<Single> singles, String workload) {
        List<Double> floor = values(singles, FLOOR, workload);
        List<Double> ratios = ratios(singles, workload, FLOOR, LANGGRAPH4J_SAVER);
        if (floor.isEmpty() || ratios.isEmpty()) {
            return "";
        }
        return String.format(
                Locale.ROOT,
                "; durable floor (%s) %s = %s × %s",
                NAMES.get(FLOOR),
                Report.num(median(floor)),
                ratio(median(ratios)),
                NAMES.get(LANGGRAPH4J_SAVER));
    }

    private static String met(boolean met) {
        return met ? "met" : "**missed**";
    }
}
