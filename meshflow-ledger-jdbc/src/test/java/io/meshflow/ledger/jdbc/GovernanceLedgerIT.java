package io.meshflow.ledger.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.governance.AgentIdentity;
import io.meshflow.governance.AgentIdentityProvider;
import io.meshflow.governance.CapabilityScope;
import io.meshflow.governance.Governance;
import io.meshflow.ledger.AuditFinding;
import io.meshflow.ledger.Revocation;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.jdbc.ChainVerification.Problem;
import io.meshflow.policy.Policy;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.WorkflowDefinition;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Signed step records, the revocation list and findings, on SQLite and PostgreSQL. */
@ParameterizedClass
@EnumSource(Backend.class)
class GovernanceLedgerIT extends LedgerTestBase {
    @SuppressWarnings("NullAway.Init")
    private AgentIdentityProvider ids;

    @SuppressWarnings("NullAway.Init")
    private AgentIdentity writer;

    @BeforeEach
    void identities() {
        ids = AgentIdentityProvider.inMemory();
        writer = ids.create("writer", CapabilityScope.unrestricted());
        ids.create("editor", CapabilityScope.unrestricted());
    }

    private static WorkflowDefinition workflow() {
        return WorkflowDefinition.builder("signed")
                .addAgentNode("write", Agent.builder("writer").build())
                .addAgentNode("edit", Agent.builder("editor").build())
                .addFunctionNode("publish", (in, ctx) -> "published: " + in)
                .addEdge("write", "edit")
                .addEdge("edit", "publish")
                .build();
    }

    private RunResult run(JdbcLedger ledger) {
        Mesh mesh = Mesh.builder()
                .ledger(ledger)
                .tenantId("acme")
                .provider(ScriptedProvider.builder()
                        .forAgent("writer", "The draft says the fee is 40 euros.")
                        .forAgent("editor", "The fee is 40 euros.")
                        .build())
                .governance(Governance.builder().identities(ids).build())
                .build();
        return mesh.run(workflow(), "write about the fee");
    }

    private String stepId(RunResult result, int seq) {
        return result.steps().stream()
                .filter(s -> s.seq() == seq)
                .findFirst()
                .orElseThrow()
                .stepId();
    }

    @Test
    void signedRun_verifies_everyRecordSigned_theFunctionStepByTheEngineIdentity() {
        JdbcLedger ledger = open();

        RunResult result = run(ledger);

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(ledger.verifyChain("acme", result.runId()))
                .isEqualTo(ChainVerification.ok("acme", result.runId(), 3));
        List<SignatureCheck> checks = ledger.verifySignatures("acme", result.runId());
        assertThat(checks)
                .extracting(SignatureCheck::status)
                .containsExactly(SignatureCheck.Status.VALID, SignatureCheck.Status.VALID, SignatureCheck.Status.VALID);
        assertThat(checks.get(0).signer()).isEqualTo(writer.did());
        assertThat(checks.get(2).agentId()).isNull();
        assertThat(checks.get(2).signer()).isEqualTo(ids.engineIdentity().did());
        assertThat(ledger.identities())
                .extracting(r -> r.agentId())
                .containsExactlyInAnyOrder("writer", "editor", AgentIdentityProvider.ENGINE);
    }

    @Test
    void signedFanOut_parallelStepsCommittedTogether_areEachSignedAndVerify() {
        JdbcLedger ledger = open();
        WorkflowDefinition.Builder b =
                WorkflowDefinition.builder("signed-fan").addFunctionNode("start", (in, ctx) -> in);
        for (int i = 0; i < 40; i++) {
            String id = "b" + i;
            b.addFunctionNode(id, (in, ctx) -> id + " checked " + in)
                    .addEdge("start", id)
                    .addEdge(id, "join");
        }
        b.addFunctionNode("join", (in, ctx) -> "joined " + ctx.inputs().size());
        Mesh mesh = Mesh.builder()
                .ledger(ledger)
                .tenantId("acme")
                .governance(Governance.builder().identities(ids).build())
                .build();

        RunResult result = mesh.run(b.build(), "clause 4");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(ledger.verifyChain("acme", result.runId()))
                .isEqualTo(ChainVerification.ok("acme", result.runId(), 42));
        List<SignatureCheck> checks = ledger.verifySignatures("acme", result.runId());
        assertThat(checks).hasSize(42).allSatisfy(check -> {
            assertThat(check.status()).isEqualTo(SignatureCheck.Status.VALID);
            assertThat(check.signer()).isEqualTo(ids.engineIdentity().did());
        });
    }

    @Test
    void aFunctionStepReSignedWithAnAgentsKey_isReported() throws Exception {
        JdbcLedger ledger = open();
        RunResult result = run(ledger);
        String signature = ids.sign("writer", entryHash(result.runId(), 3).getBytes(StandardCharsets.US_ASCII));

        db.sql(
                "UPDATE step_signatures SET signer = ?, signature = ? WHERE run_id = ? AND seq = 3",
                writer.did(),
                signature,
                result.runId());

        ChainVerification chain = ledger.verifyChain("acme", result.runId());
        assertThat(chain.problem()).isEqualTo(Problem.UNKNOWN_SIGNER);
        assertThat(chain.seq()).isEqualTo(3);
        assertThat(chain.detail())
                .contains("signed by " + writer.did() + ", which is the identity of agent 'writer', not of the engine"
                        + " identity meshflow:engine");
    }

    @Test
    void revokingTheEngineIdentity_blocksTheNextFunctionStepWithIdentity_recordedUnsigned() {
        JdbcLedger ledger = open();
        AgentIdentity engine = ids.engineIdentity();
        ledger.revoke(
                new Revocation(engine.did(), AgentIdentityProvider.ENGINE, "key leaked", "secops", Instant.now()));

        RunResult result = run(ledger);

        assertThat(result.status()).isEqualTo(RunStatus.BLOCKED);
        assertThat(result.blockReason()).isEqualTo("identity");
        assertThat(result.steps()).extracting(s -> s.nodeId()).containsExactly("write", "edit", "publish");
        assertThat(result.steps().get(2).verdict().detail())
                .startsWith(
                        "rule revoked_identity: identity " + engine.did() + " of agent 'meshflow:engine' was revoked");
        assertThat(ledger.verifySignatures("acme", result.runId()))
                .extracting(SignatureCheck::status)
                .containsExactly(
                        SignatureCheck.Status.VALID, SignatureCheck.Status.VALID, SignatureCheck.Status.UNSIGNED);
        assertThat(ledger.verifyChain("acme", result.runId()).valid()).isTrue();
    }

    @Test
    void changingARecordsOutput_breaksBothItsHashAndItsSignature() throws Exception {
        JdbcLedger ledger = open();
        RunResult result = run(ledger);
        db.tamper();

        db.sql(
                "UPDATE step_records SET output_content = ? WHERE step_id = ?",
                "The fee is 4 euros.",
                stepId(result, 2));

        ChainVerification chain = ledger.verifyChain("acme", result.runId());
        assertThat(chain.problem()).isEqualTo(Problem.CONTENT_CHANGED);
        assertThat(chain.seq()).isEqualTo(2);
        SignatureCheck check = ledger.verifySignatures("acme", result.runId()).get(1);
        assertThat(check.status()).isEqualTo(SignatureCheck.Status.INVALID);
        assertThat(check.detail()).contains("does not verify");
    }

    @Test
    void aSignatureMovedToAnotherRecord_failsTheChainVerification() throws Exception {
        JdbcLedger ledger = open();
        RunResult result = run(ledger);
        assertThat(ledger.verifyChain("acme", result.runId()).valid()).isTrue();

        // seq 1's signature is the writer's genuine signature, but over seq 1's entry hash, not seq 2's
        db.sql(
                "UPDATE step_signatures SET signer = (SELECT signer FROM step_signatures WHERE run_id = ? AND seq = 1),"
                        + " signature = (SELECT signature FROM step_signatures WHERE run_id = ? AND seq = 1)"
                        + " WHERE run_id = ? AND seq = 2",
                result.runId(),
                result.runId(),
                result.runId());

        ChainVerification chain = ledger.verifyChain("acme", result.runId());
        assertThat(chain.valid()).isFalse();
        assertThat(chain.problem()).isEqualTo(Problem.BAD_SIGNATURE);
        assertThat(chain.seq()).isEqualTo(2);
        assertThat(chain.stepId()).isEqualTo(stepId(result, 2));
        assertThat(chain.detail()).contains("does not verify");
    }

    @Test
    void aRecordReSignedWithAnotherKey_isReported() throws Exception {
        JdbcLedger ledger = open();
        RunResult result = run(ledger);
        AgentIdentity mallory = AgentIdentityProvider.inMemory().create("mallory", CapabilityScope.unrestricted());
        AgentIdentityProvider malloryKeys = AgentIdentityProvider.inMemory();
        AgentIdentity forged = malloryKeys.create("writer", CapabilityScope.unrestricted());
        String entryHash = entryHash(result.runId(), 1);
        String signature = malloryKeys.sign("writer", entryHash.getBytes(StandardCharsets.US_ASCII));

        db.sql(
                "UPDATE step_signatures SET signer = ?, signature = ? WHERE run_id = ? AND seq = 1",
                forged.did(),
                signature,
                result.runId());

        ChainVerification chain = ledger.verifyChain("acme", result.runId());
        assertThat(chain.valid()).isFalse();
        assertThat(chain.problem()).isEqualTo(Problem.UNKNOWN_SIGNER);
        assertThat(chain.seq()).isEqualTo(1);
        assertThat(chain.detail()).contains(forged.did()).contains("not a registered identity");
        assertThat(mallory.did()).isNotEqualTo(forged.did());
    }

    @Test
    void revocation_isPersisted_blocksTheAgentsNextStep_andLaterSignaturesAreReported() {
        JdbcLedger first = open();
        RunResult before = run(first);
        first.revoke(new Revocation(writer.did(), "writer", "laptop stolen", "secops", Instant.now()));
        first.revoke(new Revocation(writer.did(), "writer", "second revocation is ignored", "x", Instant.now()));
        first.close();

        JdbcLedger reopened = open();
        RunResult after = run(reopened);

        assertThat(reopened.revocations())
                .singleElement()
                .satisfies(r -> assertThat(r.reason()).isEqualTo("laptop stolen"));
        assertThat(after.status()).isEqualTo(RunStatus.BLOCKED);
        assertThat(after.blockReason()).isEqualTo("identity");
        assertThat(reopened.steps("acme", after.runId()))
                .singleElement()
                .satisfies(s -> assertThat(s.verdict().detail()).startsWith("rule revoked_identity:"));
        // the blocked step is recorded unsigned; the run before the revocation still verifies
        assertThat(reopened.verifyChain("acme", after.runId()).valid()).isTrue();
        assertThat(reopened.verifyChain("acme", before.runId()).valid()).isTrue();
    }

    @Test
    void aRecordSignedAfterItsKeyWasRevoked_isReportedRevoked() {
        JdbcLedger ledger = open();
        RunResult result = run(ledger);

        ledger.revoke(new Revocation(writer.did(), "writer", "backdated", "secops", Instant.EPOCH));

        ChainVerification chain = ledger.verifyChain("acme", result.runId());
        assertThat(chain.problem()).isEqualTo(Problem.REVOKED_SIGNER);
        assertThat(chain.stepId()).isEqualTo(stepId(result, 1));
    }

    @Test
    void anAnonymisedSignedRun_stillVerifies_signaturesIncluded() {
        JdbcLedger ledger = open();
        RunResult result = run(ledger);

        ledger.anonymizeRun("acme", result.runId(), "dpo", "erasure request");

        assertThat(ledger.verifyChain("acme", result.runId()).valid()).isTrue();
        assertThat(ledger.verifySignatures("acme", result.runId()))
                .extracting(SignatureCheck::status)
                .containsExactly(SignatureCheck.Status.VALID, SignatureCheck.Status.VALID, SignatureCheck.Status.VALID);
    }

    @Test
    void findingsAndTenantSpend_areReadBackFromTheDatabase() {
        JdbcLedger ledger = open();
        Mesh mesh = Mesh.builder()
                .ledger(ledger)
                .tenantId("acme")
                .policy(Policy.builder().enableCollusionAudit(true).build())
                .provider(ScriptedProvider.builder()
                        .fallback("Both agents give this very same answer, word for word.")
                        .pricing(3, 15)
                        .build())
                .build();

        RunResult result = mesh.run(
                io.meshflow.agent.Team.sequential(
                        "copy", Agent.builder("a").build(), Agent.builder("b").build()),
                "go");

        List<AuditFinding> findings = ledger.findings("acme", result.runId());
        assertThat(findings).extracting(AuditFinding::rule).containsExactly("verbatim_copy");
        assertThat(findings.get(0).stepId()).isEqualTo(stepId(result, 2));
        assertThat(ledger.tenantCostSince("acme", Instant.EPOCH))
                .isCloseTo(result.costUsd(), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(ledger.tenantCostSince("other", Instant.EPOCH)).isZero();
    }

    private String entryHash(String runId, long seq) throws Exception {
        return java.util.Objects.requireNonNull(
                db.queryString("SELECT entry_hash FROM step_records WHERE run_id = ? AND seq = ?", runId, seq));
    }

    @Test
    void tenantSpend_countsCostedStepsOnly_inTheBudgetIndex_andSumsThemAll() throws Exception {
        JdbcLedger ledger = open();
        ledger.runStarted(Records.run("acme", "r"));
        List<io.meshflow.ledger.LedgerAppend> appends = new java.util.ArrayList<>();
        double[] costs = {0, 0.25, 0, 1.5, 0};
        for (int i = 0; i < costs.length; i++) {
            appends.add(new io.meshflow.ledger.LedgerAppend(
                    Records.withCost(Records.step("acme", "r", i + 1), costs[i]), null));
        }
        ledger.append(appends);

        assertThat(ledger.tenantCostSince("acme", Instant.EPOCH))
                .isCloseTo(1.75, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(ledger.tenantCostSince("acme", Records.T0.plusSeconds(86_400)))
                .isZero();
        if (backend == Backend.SQLITE) {
            // the partial index holds the two costed steps only, and the spend query uses it
            assertThat(db.queryString("SELECT sql FROM sqlite_master WHERE name = 'step_records_by_tenant_ended'"))
                    .contains("WHERE cost_usd <> 0");
            assertThat(db.queryString("SELECT COUNT(*) FROM step_records INDEXED BY step_records_by_tenant_ended"
                            + " WHERE tenant_id = 'acme' AND ended_at >= '0' AND cost_usd <> 0"))
                    .isEqualTo("2");
            StringBuilder plan = new StringBuilder();
            try (java.sql.Connection c = db.raw();
                    java.sql.Statement st = c.createStatement();
                    java.sql.ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN SELECT COALESCE(SUM(cost_usd), 0)"
                            + " FROM step_records WHERE tenant_id = 'acme' AND ended_at >= '2026' AND cost_usd <> 0")) {
                while (rs.next()) {
                    plan.append(rs.getString(4)).append('\n');
                }
            }
            assertThat(plan.toString()).contains("step_records_by_tenant_ended");
        } else {
            assertThat(db.queryString(
                            "SELECT indexdef FROM pg_indexes WHERE indexname = ?", "step_records_by_tenant_ended"))
                    .contains("WHERE (cost_usd <> ");
        }
    }

    @Test
    void findingsCarryTheSpendOfCallsOutsideSteps_andTheTenantsSpendAddsItUp() throws Exception {
        JdbcLedger ledger = open();
        ledger.runStarted(Records.run("acme", "r"));
        ledger.runStarted(Records.run("other", "o"));
        ledger.append(List.of(
                new io.meshflow.ledger.LedgerAppend(Records.withCost(Records.step("acme", "r", 1), 0.25), null)));
        ledger.recordFinding(new AuditFinding(
                "acme", "r", "r.1", "memory", "consolidated", "INFO", "summarised", Records.T0, 120, 0.5));
        ledger.recordFinding(new AuditFinding("acme", "r", "r.1", "guardian", "pii", "WARN", "an email", Records.T0));
        ledger.recordFinding(new AuditFinding(
                "other", "o", null, "memory", "consolidated", "INFO", "summarised", Records.T0, 40, 2.0));

        List<AuditFinding> findings = ledger.findings("acme", "r");
        assertThat(findings).extracting(AuditFinding::tokensUsed).containsExactly(120L, 0L);
        assertThat(findings).extracting(AuditFinding::costUsd).containsExactly(0.5, 0.0);
        assertThat(ledger.tenantCostSince("acme", Instant.EPOCH))
                .isCloseTo(0.75, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(ledger.tenantCostSince("other", Instant.EPOCH))
                .isCloseTo(2.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(ledger.tenantCostSince("acme", Records.T0.plusSeconds(86_400)))
                .isZero();
        if (backend == Backend.SQLITE) {
            assertThat(db.queryString("SELECT sql FROM sqlite_master WHERE name = 'audit_findings_by_tenant_spend'"))
                    .contains("WHERE cost_usd <> 0");
        } else {
            assertThat(db.queryString(
                            "SELECT indexdef FROM pg_indexes WHERE indexname = ?", "audit_findings_by_tenant_spend"))
                    .contains("WHERE (cost_usd <> ");
        }
    }
}
