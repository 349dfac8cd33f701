package io.meshflow.trace;

import io.meshflow.ledger.StepRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How a replayed run differs from the recorded one, step by step. Steps are paired by node and occurrence (the
 * second step of node {@code review} with the second step of {@code review}), since a replay runs the same nodes but
 * may record them with other ids and, for parallel branches, in another order.
 *
 * @param changes one entry per paired or unpaired step, in the recorded run's order, then steps only the replay took
 */
public record ReplayDiff(List<Change> changes) {

    /** What became of one step. */
    public enum Kind {
        /** Same verdict and same output. */
        SAME,
        /** Same verdict, other output. */
        OUTPUT_CHANGED,
        /** Another verdict (for example a commit that a stricter policy now blocks). */
        VERDICT_CHANGED,
        /** The recorded run took this step, the replay did not (it stopped or branched earlier). */
        ONLY_RECORDED,
        /** The replay took this step, the recorded run did not. */
        ONLY_REPLAYED
    }

    /**
     * One step of the comparison.
     *
     * @param nodeId the node
     * @param occurrence which step of that node, from 1
     * @param recorded the recorded step, or {@code null} for {@link Kind#ONLY_REPLAYED}
     * @param replayed the replayed step, or {@code null} for {@link Kind#ONLY_RECORDED}
     * @param kind what changed
     */
    public record Change(
            String nodeId,
            int occurrence,
            @Nullable StepRecord recorded,
            @Nullable StepRecord replayed,
            Kind kind) {}

    /** Copies the list. */
    public ReplayDiff {
        changes = List.copyOf(changes);
    }

    /** Compares a recorded run's steps with its replay's (each in order of {@code seq}). */
    public static ReplayDiff of(List<StepRecord> recorded, List<StepRecord> replayed) {
        Map<String, StepRecord> byKey = new LinkedHashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        for (StepRecord step : replayed) {
            byKey.put(key(step, counts), step);
        }
        counts.clear();
        List<Change> changes = new ArrayList<>();
        for (StepRecord step : recorded) {
            String key = key(step, counts);
            int occurrence = counts.getOrDefault(step.nodeId(), 1);
            StepRecord other = byKey.remove(key);
            changes.add(new Change(step.nodeId(), occurrence, step, other, kind(step, other)));
        }
        for (Map.Entry<String, StepRecord> left : byKey.entrySet()) {
            StepRecord step = left.getValue();
            int occurrence =
                    Integer.parseInt(left.getKey().substring(left.getKey().lastIndexOf('#') + 1));
            changes.add(new Change(step.nodeId(), occurrence, null, step, Kind.ONLY_REPLAYED));
        }
        return new ReplayDiff(changes);
    }

    /** True when every step was reproduced with the same verdict and output. */
    public boolean identical() {
        return changes.stream().allMatch(c -> c.kind() == Kind.SAME);
    }

    /** The first step that the recorded run committed and the replay did not (a stricter policy blocked it). */
    public Optional<Change> firstNewlyStopped() {
        return changes.stream()
                .filter(c -> c.kind() == Kind.VERDICT_CHANGED && committed(c.recorded()))
                .findFirst();
    }

    private static boolean committed(@Nullable StepRecord step) {
        return step != null && step.verdict().name().equals("COMMIT");
    }

    private static String key(StepRecord step, Map<String, Integer> counts) {
        int n = counts.merge(step.nodeId(), 1, Integer::sum);
        return step.nodeId() + "#" + n;
    }

    private static Kind kind(StepRecord recorded, @Nullable StepRecord replayed) {
        if (replayed == null) {
            return Kind.ONLY_RECORDED;
        }
        if (!recorded.verdict().name().equals(replayed.verdict().name())
                || !recorded.verdict().reason().equals(replayed.verdict().reason())) {
            return Kind.VERDICT_CHANGED;
        }
        return recorded.outputContent().equals(replayed.outputContent()) ? Kind.SAME : Kind.OUTPUT_CHANGED;
    }
}
