package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.UncertaintySource;
import io.meshflow.policy.Verdict;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepHistoryTest {
    private static StepRecord step(long seq) {
        return new StepRecord(
                "run",
                "step" + seq,
                seq,
                "t",
                "node",
                null,
                "task",
                "out" + seq,
                false,
                Verdict.COMMIT,
                0,
                UncertaintySource.UNKNOWN,
                0,
                0,
                0,
                Instant.EPOCH,
                Instant.EPOCH);
    }

    @Test
    void snapshot_keepsTheStepsOfItsMoment_whileLaterStepsAndGrowthFollow() {
        StepHistory history = new StepHistory();
        for (int i = 0; i < 10; i++) {
            history.add(step(i));
        }

        List<StepRecord> early = history.snapshot();
        for (int i = 10; i < 100; i++) {
            history.add(step(i));
        }
        List<StepRecord> late = history.snapshot();

        assertThat(early)
                .hasSize(10)
                .extracting(StepRecord::seq)
                .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(late).hasSize(100);
        assertThat(late.get(99).seq()).isEqualTo(99);
        assertThat(late.subList(0, 10)).isEqualTo(early);
    }

    @Test
    void snapshot_isUnmodifiable_andBoundsChecked() {
        StepHistory history = new StepHistory();
        history.add(step(0));
        List<StepRecord> snapshot = history.snapshot();

        assertThatThrownBy(() -> snapshot.add(step(1))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> snapshot.get(1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(new StepHistory().snapshot()).isEmpty();
    }
}
