package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.ledger.InMemoryLedger;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.policy.Policy;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ScrubPhiTest {
    private static final String TASK =
            "Summarise: Patient: Jane Roe, DOB 04/12/1961, SSN 123-45-6789, call (212) 555-0199.";

    private final List<String> seenByNodes = new CopyOnWriteArrayList<>();

    private WorkflowDefinition intake() {
        return WorkflowDefinition.builder("intake")
                .addFunctionNode("read", (input, ctx) -> {
                    seenByNodes.add(input);
                    return "Read chart of " + input.substring(input.indexOf("Patient:"));
                })
                .addFunctionNode("reply", (input, ctx) -> {
                    seenByNodes.add(input);
                    return "Email jane.roe@example.com about: " + input;
                })
                .addEdge("read", "reply")
                .build();
    }

    @Test
    void scrubPhi_ledgerHoldsRedactedText_whileTheNodesAndTheCallerSeeTheOriginal() {
        InMemoryLedger ledger = new InMemoryLedger();
        Mesh mesh = Mesh.builder()
                .ledger(ledger)
                .policy(Policy.builder().scrubPhi(true).build())
                .build();

        RunResult result = mesh.run(intake(), TASK);

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(seenByNodes.get(0)).isEqualTo(TASK);
        assertThat(seenByNodes.get(1)).contains("SSN 123-45-6789");
        assertThat(result.output()).contains("jane.roe@example.com").contains("123-45-6789");

        List<StepRecord> stored = ledger.steps("default", result.runId());
        assertThat(stored).hasSize(2);
        for (StepRecord s : stored) {
            for (String text : List.of(s.inputTask(), s.outputContent())) {
                assertThat(text)
                        .doesNotContain("Jane Roe", "04/12/1961", "123-45-6789", "555-0199", "jane.roe@example.com");
            }
        }
        assertThat(stored.get(0).inputTask())
                .isEqualTo("Summarise: Patient: [PHI-REDACTED:NAME], DOB [PHI-REDACTED:DOB], SSN [PHI-REDACTED:SSN],"
                        + " call [PHI-REDACTED:PHONE].");
        assertThat(stored.get(1).outputContent()).startsWith("Email [PHI-REDACTED:EMAIL] about: ");
        RunRecord run = ledger.run("default", result.runId()).orElseThrow();
        assertThat(run.task()).doesNotContain("123-45-6789").contains("[PHI-REDACTED:SSN]");
        assertThat(run.output()).doesNotContain("jane.roe@example.com");
    }

    @Test
    void aNameFoundOnceInTheRun_isRedactedWhereverItAppearsLater_evenWithoutContext() {
        InMemoryLedger ledger = new InMemoryLedger();
        Mesh mesh = Mesh.builder()
                .ledger(ledger)
                .policy(Policy.builder().scrubPhi(true).build())
                .build();
        WorkflowDefinition wf = WorkflowDefinition.builder("letter")
                .addFunctionNode("draft", (input, ctx) -> "Dear Jane, Ms Roe's results are normal. Regards, Rosalind")
                .build();

        RunResult result = mesh.run(wf, "Write to Patient: Jane Roe about her results.");

        assertThat(result.output()).startsWith("Dear Jane");
        assertThat(ledger.steps("default", result.runId()).get(0).outputContent())
                .isEqualTo("Dear [PHI-REDACTED:NAME], Ms [PHI-REDACTED:NAME]'s results are normal. Regards, Rosalind");
    }

    @Test
    void withoutScrubPhi_theLedgerKeepsTheTextAsIs() {
        InMemoryLedger ledger = new InMemoryLedger();
        Mesh mesh = Mesh.builder().ledger(ledger).build();

        RunResult result = mesh.run(intake(), TASK);

        assertThat(ledger.steps("default", result.runId()).get(0).inputTask()).isEqualTo(TASK);
        assertThat(ledger.run("default", result.runId()).orElseThrow().task()).isEqualTo(TASK);
    }
}
