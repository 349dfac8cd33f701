package io.meshflow.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ContractTriageTest {

    @Test
    void highRiskContract_isRoutedToLegalReview_thenSummarised() {
        try (Mesh mesh = ContractTriage.mesh()) {
            RunResult result = mesh.run("Licence with unlimited liability for the customer");

            assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(result.steps())
                    .extracting(StepRecord::nodeId)
                    .containsExactly("intake", "legal_review", "summary");
            assertThat(result.output()).isEqualTo("Sent to legal: sign once liability is capped.");
        }
    }

    @Test
    void ordinaryContract_isFastTracked_skippingLegalReview() {
        try (Mesh mesh = ContractTriage.mesh()) {
            RunResult result = mesh.run("Office supplies order, liability capped at the order value");

            assertThat(result.steps())
                    .extracting(StepRecord::nodeId)
                    .containsExactly("intake", "fast_track", "summary");
            assertThat(result.output()).isEqualTo("Fast-tracked: approved without legal review.");
        }
    }

    @Test
    void main_printsTheStreamedTokensAndTheResult() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            ContractTriage.main(new String[0]);
        } finally {
            System.setOut(original);
        }

        assertThat(captured.toString(StandardCharsets.UTF_8))
                .contains("[intake] RISK: HIGH, the contract asks for unlimited liability.")
                .contains("[legal] Cap liability at twelve months of fees")
                .contains("[summary] Sent to legal")
                .contains(
                        "COMPLETED via [intake, legal_review, summary]: Sent to legal: sign once liability is capped.");
    }
}
