package io.meshflow.ledger.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.ledger.RunStatus;
import io.meshflow.policy.Policy;
import io.meshflow.provider.ScriptedProvider;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** A run whose policy scrubs PHI: the database holds none of it, the agent saw all of it. */
@ParameterizedClass
@EnumSource(Backend.class)
class ScrubPhiIT extends LedgerTestBase {
    private static final List<String> PHI = List.of(
            "Maria Garcia",
            "07/22/1964",
            "561-38-2290",
            "(617) 555-0142",
            "+44 20 7946 0321",
            "m.garcia@example.org",
            "MRN0048213",
            "88 Beacon Street",
            "203.0.113.77");

    @Test
    void scrubbedRun_databaseHoldsNoPhi_agentReceivedTheOriginal_chainVerifies() throws Exception {
        String task = "Intake for Patient: Maria Garcia. DOB 07/22/1964; SSN 561-38-2290; phone (617) 555-0142,"
                + " abroad +44 20 7946 0321; email m.garcia@example.org; MRN: MRN0048213; lives at 88 Beacon Street,"
                + " Boston, MA 02108; portal login from 203.0.113.77.";
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent(
                        "clerk",
                        "Registered Maria Garcia (SSN 561-38-2290); confirmation sent to m.garcia@example.org.")
                .build();
        JdbcLedger ledger = open();
        Mesh mesh = Mesh.builder()
                .provider(model)
                .ledger(ledger)
                .policy(Policy.builder().scrubPhi(true).build())
                .build();

        RunResult result = mesh.run(
                Team.sequential(
                        "intake", Agent.builder("clerk").role("intake clerk").build()),
                task);

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(model.requests().get(0).lastUserText()).contains(PHI);
        String stored = String.join(
                "\n",
                db.queryStrings("SELECT input_task || ' ' || output_content FROM step_records"),
                db.queryStrings("SELECT task || ' ' || COALESCE(output, '') FROM runs"),
                db.queryStrings("SELECT COALESCE(state, '') FROM workflow_checkpoints"));
        assertThat(stored).contains("[PHI-REDACTED:SSN]", "[PHI-REDACTED:EMAIL]", "[PHI-REDACTED:ADDRESS]");
        for (String value : PHI) {
            assertThat(stored).as("stored text").doesNotContain(value);
        }
        assertThat(ledger.verifyChain("default", result.runId()).valid()).isTrue();
    }

    @Test
    void hipaaMode_scrubsTheLedger_andThePauseShownToTheApprover_withGuardianAndCollusionAuditOn() throws Exception {
        Policy hipaa = Policy.forMode("hipaa");
        assertThat(hipaa.scrubPhi()).isTrue();
        assertThat(hipaa.enableGuardian()).isTrue();
        assertThat(hipaa.enableCollusionAudit()).isTrue();
        assertThat(hipaa.maxOutputChars()).isZero();
        String task = "Intake for Patient: Maria Garcia. DOB 07/22/1964; SSN 561-38-2290; email m.garcia@example.org;"
                + " MRN: MRN0048213; lives at 88 Beacon Street, Boston, MA 02108.";
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent("clerk", "Registered Maria Garcia, MRN: MRN0048213, reachable at m.garcia@example.org.")
                .build();
        JdbcLedger ledger = open();
        Mesh mesh = Mesh.builder()
                .provider(model)
                .ledger(ledger)
                .policy(hipaa.toBuilder()
                        .humanInLoop(io.meshflow.hitl.HumanInLoopConfig.builder()
                                .after("clerk")
                                .build())
                        .build())
                .build();

        RunResult paused =
                mesh.run(Team.sequential("intake", Agent.builder("clerk").build()), task);

        assertThat(paused.status()).isEqualTo(RunStatus.PAUSED);
        String stored = String.join(
                "\n",
                db.queryStrings("SELECT input_task || ' ' || output_content FROM step_records"),
                db.queryStrings("SELECT task FROM runs"),
                db.queryStrings("SELECT context FROM hitl_pauses"));
        assertThat(stored).contains("[PHI-REDACTED:EMAIL]");
        for (String value : List.of("561-38-2290", "m.garcia@example.org", "MRN0048213", "88 Beacon Street")) {
            assertThat(stored).as("stored text").doesNotContain(value);
        }
        assertThat(model.requests().get(0).lastUserText()).contains("561-38-2290");
        assertThat(ledger.verifyChain("default", paused.runId()).valid()).isTrue();
    }
}
