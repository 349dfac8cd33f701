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
import org.jspecify.annotations.Nullable;

/**
 * Turns the JMH CSV and the load test's TSV into the markdown sections of {@code bench/RESULTS.md}: the JMH table with
 * derived per-step, per-iteration and per-fan-out figures, and the comparison against the targets and the LangGraph4j
 * reference. Used by {@code bench/run.sh}.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.meshflow.bench.Report JMH_CSV LOAD_TSV}
 */
public final class Report {
    /** Per-step target, µs. */
    private static final double STEP_TARGET_US = 5;
    /** Per-loop-iteration target, µs. */
    private static final double ITERATION_TARGET_US = 5;
    /** A 10,000-iteration loop may cost this much more per iteration than a 100-iteration one and still be "flat". */
    private static final double GROWTH_LIMIT = 1.25;
    /** Fan-out target, ms. */
    private static final double FAN_OUT_TARGET_MS = 0.4;

    private Report() {}

    /** One JMH score. */
    private record Score(double score, double error, int samples, String unit) {}

    /** One load-test batch, as written by {@link ConcurrentRunsLoad}. */
    private record Load(
            String form,
            int round,
            int runs,
            int completed,
            double wallMs,
            double ratio,
            double limit,
            double runsPerSecond,
            double peakHeapMib) {}

    /** What each benchmark runs and what one operation is divided by for the derived figure. */
    private record Shape(String description, double divisor, String derivedUnit) {}

    private static final Map<String, Shape> SHAPES = shapes();

    private static Map<String, Shape> shapes() {
        Map<String, Shape> m = new LinkedHashMap<>();
        m.put("linear3", new Shape("3 agent nodes in a line (Team.sequential)", 3, "µs per step"));
        m.put("linear3Functions", new Shape("3 function nodes in a line", 3, "µs per step"));
        m.put("loop100", new Shape("1 agent node, loop edge to itself, 100 iterations", 100, "µs per iteration"));
        m.put("loop1000", new Shape("1 agent node, loop edge to itself, 1,000 iterations", 1_000, "µs per iteration"));
        m.put(
                "loop10000",
                new Shape("1 agent node, loop edge to itself, 10,000 iterations", 10_000, "µs per iteration"));
        m.put(
                "loop100Functions",
                new Shape("1 function node, loop edge to itself, 100 iterations", 100, "µs per iteration"));
        m.put(
                "loop1000Functions",
                new Shape("1 function node, loop edge to itself, 1,000 iterations", 1_000, "µs per iteration"));
        m.put(
                "loop10000Functions",
                new Shape("1 function node, loop edge to itself, 10,000 iterations", 10_000, "µs per iteration"));
        m.put("fanOut100", new Shape("start → 100 parallel agent branches → join (102 steps)", 1_000, "ms per run"));
        m.put(
                "fanOut100Functions",
                new Shape("start → 100 parallel function branches → join (102 steps)", 1_000, "ms per run"));
        return m;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Report JMH_CSV LOAD_TSV");
            System.exit(2);
        }
        Map<String, Score> jmh = readJmh(Path.of(args[0]));
        List<Load> load = readLoad(Path.of(args[1]));
        StringBuilder out = new StringBuilder();
        jmhTable(out, jmh);
        comparison(out, jmh, load);
        System.out.print(out);
    }

    private static void jmhTable(StringBuilder out, Map<String, Score> jmh) {
        boolean gc = jmh.keySet().stream().anyMatch(k -> k.endsWith(":gc.alloc.rate.norm"));
        out.append("## JMH: engine overhead (AverageTime, one operation = one whole run)\n\n");
        out.append("| benchmark | shape | score ± error (99.9%) µs/op | n | derived |");
        out.append(gc ? " allocated per step / iteration (`-prof gc`) | GCs (time) |\n" : "\n");
        out.append(gc ? "|---|---|---:|---:|---:|---:|---:|\n" : "|---|---|---:|---:|---:|\n");
        for (Map.Entry<String, Shape> e : SHAPES.entrySet()) {
            Score s = jmh.get(e.getKey());
            if (s == null) {
                continue;
            }
            Shape shape = e.getValue();
            out.append(String.format(
                    Locale.ROOT,
                    "| `%s` | %s | %s ± %s | %d | %s %s |",
                    e.getKey(),
                    shape.description(),
                    num(s.score()),
                    num(s.error()),
                    s.samples(),
                    num(s.score() / shape.divisor()),
                    shape.derivedUnit()));
            if (gc) {
                Score alloc = jmh.get(e.getKey() + ":gc.alloc.rate.norm");
                Score count = jmh.get(e.getKey() + ":gc.count");
                Score time = jmh.get(e.getKey() + ":gc.time");
                double per = shape.derivedUnit().startsWith("ms") ? 102 : shape.divisor();
                out.append(
                        alloc == null
                                ? " — |"
                                : String.format(
                                        Locale.ROOT,
                                        " %,.0f B%s |",
                                        alloc.score() / per,
                                        shape.derivedUnit().startsWith("ms") ? " (per step)" : ""));
                out.append(
                        count == null || time == null
                                ? " — |"
                                : String.format(Locale.ROOT, " %.0f (%.0f ms) |", count.score(), time.score()));
            }
            out.append('\n');
        }
        List<String> others = new ArrayList<>();
        jmh.forEach((name, score) -> {
            if (!SHAPES.containsKey(name) && !name.contains(":")) {
                others.add(String.format(
                        Locale.ROOT,
                        "| `%s` | %s ± %s %s |",
                        name,
                        num(score.score()),
                        num(score.error()),
                        score.unit()));
            }
        });
        if (!others.isEmpty()) {
            out.append("\nOther benchmarks:\n\n| benchmark | score ± error |\n|---|---:|\n");
            others.forEach(line -> out.append(line).append('\n'));
        }
        out.append('\n');
    }

    private static void comparison(StringBuilder out, Map<String, Score> jmh, List<Load> load) {
        out.append("## Targets and reference\n\n");
        out.append("| measure | MeshFlow | target | met? | LangGraph4j 1.8.17 (same machine kind) |\n");
        out.append("|---|---:|---:|---|---:|\n");
        for (String[] b : new String[][] {{"linear3", "agent nodes"}, {"linear3Functions", "function nodes"}}) {
            Double perStep = derived(jmh, b[0]);
            row(
                    out,
                    "per step, " + b[1] + " (`" + b[0] + "` / 3)",
                    perStep == null ? null : num(perStep) + " µs",
                    "≤ 5 µs",
                    perStep == null ? null : perStep <= STEP_TARGET_US,
                    "20.9 µs (LangGraph.js ~955 µs)");
        }
        Double agentStep = derived(jmh, "linear3");
        Double functionStep = derived(jmh, "linear3Functions");
        row(
                out,
                "of which the scripted model call and agent plumbing ((`linear3` − `linear3Functions`) / 3)",
                agentStep == null || functionStep == null ? null : num(agentStep - functionStep) + " µs",
                "(information)",
                null,
                "—");
        for (String[] b : new String[][] {{"loop1000", "agent node"}, {"loop1000Functions", "function node"}}) {
            Double perIteration = derived(jmh, b[0]);
            row(
                    out,
                    "per loop iteration, " + b[1] + " (`" + b[0] + "` / 1,000)",
                    perIteration == null ? null : num(perIteration) + " µs",
                    "≤ 5 µs",
                    perIteration == null ? null : perIteration <= ITERATION_TARGET_US,
                    "24.6 µs");
        }
        for (String[] b : new String[][] {{"loop", "agent node"}, {"loop", "function node"}}) {
            String suffix = b[1].startsWith("agent") ? "" : "Functions";
            Double at100 = derived(jmh, b[0] + "100" + suffix);
            Double at1000 = derived(jmh, b[0] + "1000" + suffix);
            Double at10000 = derived(jmh, b[0] + "10000" + suffix);
            String value = at100 == null || at1000 == null || at10000 == null
                    ? null
                    : String.format(
                            Locale.ROOT,
                            "%s → %s → %s µs (× %.2f)",
                            num(at100),
                            num(at1000),
                            num(at10000),
                            at10000 / at100);
            row(
                    out,
                    "per-iteration cost vs history, " + b[1] + " (100 → 1,000 → 10,000 iterations)",
                    value,
                    "does not grow (10,000 ≤ " + GROWTH_LIMIT + " × 100)",
                    (at100 == null || at10000 == null) ? null : at10000 <= GROWTH_LIMIT * at100,
                    "24.6 µs flat; 328 µs when state grows");
        }
        for (String[] b : new String[][] {{"fanOut100", "agent nodes"}, {"fanOut100Functions", "function nodes"}}) {
            Double ms = derived(jmh, b[0]);
            row(
                    out,
                    "100-branch fan-out + fan-in, " + b[1] + " (`" + b[0] + "`)",
                    ms == null ? null : num(ms) + " ms",
                    "≤ 0.4 ms",
                    ms == null ? null : ms <= FAN_OUT_TARGET_MS,
                    "1.6 ms");
        }
        int lastRound = load.stream().mapToInt(Load::round).max().orElse(0);
        for (String form : List.of("agent", "function")) {
            for (int runs : List.of(1_000, 10_000)) {
                Load l = load.stream()
                        .filter(x -> x.form().equals(form) && x.runs() == runs && x.round() == lastRound)
                        .findFirst()
                        .orElse(null);
                String name = String.format(
                        Locale.ROOT,
                        "%,d concurrent runs, 3 × 50 ms steps, %s nodes (round %d)",
                        runs,
                        form,
                        lastRound);
                String reference = runs == 1_000 ? "229 ms (1.53 × ideal)" : "—";
                double limit = runs <= 1_000 ? 1.1 : 1.2;
                String target = String.format(Locale.ROOT, "≤ %.1f × 150 ms = %.0f ms", limit, limit * 150);
                if (l == null) {
                    row(out, name, null, target, null, reference);
                    continue;
                }
                row(
                        out,
                        name,
                        String.format(
                                Locale.ROOT,
                                "%.0f ms = %.2f × ideal (%,d/%,d completed)",
                                l.wallMs(),
                                l.ratio(),
                                l.completed(),
                                l.runs()),
                        target,
                        l.completed() == l.runs() && l.ratio() <= l.limit(),
                        reference);
            }
        }
        for (int runs : List.of(1_000, 10_000)) {
            Load l = load.stream()
                    .filter(x -> x.form().equals("baseline") && x.runs() == runs && x.round() == lastRound)
                    .findFirst()
                    .orElse(null);
            row(
                    out,
                    String.format(
                            Locale.ROOT,
                            "machine floor: %,d bare virtual threads sleeping 3 × 50 ms, no engine (round %d)",
                            runs,
                            lastRound),
                    l == null ? null : String.format(Locale.ROOT, "%.0f ms = %.2f × ideal", l.wallMs(), l.ratio()),
                    "(information)",
                    null,
                    "—");
        }
        double peak = load.stream()
                .filter(x -> !x.form().equals("baseline"))
                .mapToDouble(Load::peakHeapMib)
                .max()
                .orElse(Double.NaN);
        row(
                out,
                "peak heap used in any load batch (heap capped at 1 GiB)",
                Double.isNaN(peak) ? null : String.format(Locale.ROOT, "%.0f MiB", peak),
                "< 1 GiB",
                Double.isNaN(peak) ? null : peak < 1024,
                "—");
        out.append('\n');
    }

    private static void row(
            StringBuilder out,
            String measure,
            @Nullable String value,
            String target,
            @Nullable Boolean met,
            String reference) {
        out.append("| ")
                .append(measure)
                .append(" | ")
                .append(value == null ? "not measured" : value)
                .append(" | ")
                .append(target)
                .append(" | ")
                .append(met == null ? "—" : met ? "met" : "**missed**")
                .append(" | ")
                .append(reference)
                .append(" |\n");
    }

    private static @Nullable Double derived(Map<String, Score> jmh, String benchmark) {
        Score s = jmh.get(benchmark);
        Shape shape = SHAPES.get(benchmark);
        if (s == null || shape == null || Double.isNaN(s.score())) {
            return null;
        }
        return s.score() / shape.divisor();
    }

    static String num(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        double a = Math.abs(v);
        String pattern = a >= 100 ? "%,.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, pattern, v);
    }

    /** Reads JMH's {@code -rf csv} output; keys are the method names (profiler results keep their suffix). */
    private static Map<String, Score> readJmh(Path csv) throws IOException {
        Map<String, Score> scores = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            List<String> f = csvFields(line);
            if (f.size() < 7) {
                continue;
            }
            String name = f.get(0);
            String method =
                    name.substring(name.lastIndexOf('.', name.contains(":") ? name.indexOf(':') : name.length()) + 1);
            scores.put(method, new Score(parse(f.get(4)), parse(f.get(5)), (int) parse(f.get(3)), f.get(6)));
        }
        return scores;
    }

    private static List<String> csvFields(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }

    private static double parse(String text) {
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static List<Load> readLoad(Path tsv) throws IOException {
        List<Load> rows = new ArrayList<>();
        if (!Files.exists(tsv)) {
            return rows;
        }
        List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            return rows;
        }
        List<String> header = List.of(lines.get(0).split("\t", -1));
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            List<String> f = List.of(line.split("\t", -1));
            rows.add(new Load(
                    f.get(header.indexOf("form")),
                    (int) parse(f.get(header.indexOf("round"))),
                    (int) parse(f.get(header.indexOf("runs"))),
                    (int) parse(f.get(header.indexOf("completed"))),
                    parse(f.get(header.indexOf("wall_ms"))),
                    parse(f.get(header.indexOf("ratio"))),
                    parse(f.get(header.indexOf("limit"))),
                    parse(f.get(header.indexOf("runs_per_s"))),
                    parse(f.get(header.indexOf("peak_heap_mib")))));
        }
        return rows;
    }
}
