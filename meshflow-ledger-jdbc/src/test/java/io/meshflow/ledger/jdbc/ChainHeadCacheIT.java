package io.meshflow.ledger.jdbc;

import static io.meshflow.ledger.jdbc.Records.checkpoint;
import static io.meshflow.ledger.jdbc.Records.run;
import static io.meshflow.ledger.jdbc.Records.step;
import static io.meshflow.ledger.jdbc.Records.withStepId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.StepRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The ledger keeps each run's chain head in memory between appends; it must never break or fork the chain. */
@ParameterizedClass
@EnumSource(Backend.class)
class ChainHeadCacheIT extends LedgerTestBase {

    @Test
    void appendFailingInTheDatabase_leavesTheHeadAsCommitted_andTheRetryChains() {
        JdbcLedger ledger = open();
        ledger.runStarted(run("acme", "r"));
        for (int seq = 1; seq <= 2; seq++) {
            StepRecord s = step("acme", "r", seq);
            ledger.append(s, checkpoint(s, "{}"));
        }
        // seq 3 reusing seq 2's step id: the step row's primary key refuses it after the run's row was moved on
        StepRecord duplicate = withStepId(step("acme", "r", 3), "r-s2");
        assertThatThrownBy(() -> ledger.append(duplicate, null)).isInstanceOf(LedgerException.class);

        StepRecord s3 = step("acme", "r", 3);
        ledger.append(s3, checkpoint(s3, "{}"));
        StepRecord s4 = step("acme", "r", 4);
        ledger.append(s4, checkpoint(s4, "{}"));

        assertThat(ledger.verifyChain("acme", "r")).isEqualTo(ChainVerification.ok("acme", "r", 4));
        assertThat(ledger.steps("acme", "r")).extracting(StepRecord::seq).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void headWrittenByAnotherLedger_isNotOverwritten_fromAStaleCache() {
        JdbcLedger first = open();
        JdbcLedger second = open();
        first.runStarted(run("acme", "r"));
        first.append(step("acme", "r", 1), null);
        first.append(step("acme", "r", 2), null);
        second.append(step("acme", "r", 3), null);

        // first still believes the head is seq 2; the database says 3
        StepRecord again = withStepId(step("acme", "r", 3), "r-s3-again");
        assertThatThrownBy(() -> first.append(again, null))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("has recorded seq 3");
        assertThat(second.verifyChain("acme", "r")).isEqualTo(ChainVerification.ok("acme", "r", 3));

        JdbcLedger third = open();
        third.append(step("acme", "r", 4), null);
        third.append(step("acme", "r", 5), null);
        assertThat(first.verifyChain("acme", "r")).isEqualTo(ChainVerification.ok("acme", "r", 5));
    }
}
