package io.meshflow.governance;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.policy.Policy;
import io.meshflow.workflow.yaml.WorkflowLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

class GovernanceYamlTest {
    private static final String TAIL = """
            agents:
              - id: a
            nodes:
              - id: a
                agent: a
            """;

    private final WorkflowLoader loader = WorkflowLoader.builder().build();

    @Test
    void policyGovernanceKeys_areRead() {
        Policy policy = loader.load("""
                        name: g
                        policy:
                          mode: standard
                          dasc_action: block
                          tenant_daily_cost_usd: 5
                          predict_budget: true
                          collusion_audit: false
                          guardian:
                            prompt_injection: escalate
                            cost_spike: block
                            loop_repeats: 3
                            spike_factor: 4
                            uncertainty_threshold: 0.7
                        """ + TAIL, "g.yaml").workflow().policy().orElseThrow();

        GovernancePolicy g = policy.governance();
        assertThat(g.dascAction()).isEqualTo(DascAction.BLOCK);
        assertThat(g.tenantDailyCostUsd()).isEqualTo(5.0);
        assertThat(g.predictBudget()).isTrue();
        assertThat(policy.enableCollusionAudit()).isFalse();
        assertThat(policy.enableGuardian()).isTrue();
        assertThat(g.severities())
                .containsEntry("prompt_injection", Severity.ESCALATE)
                .containsEntry("cost_spike", Severity.BLOCK)
                .containsEntry("secrets", Severity.BLOCK);
        assertThat(g.loopRepeats()).isEqualTo(3);
        assertThat(g.spikeFactor()).isEqualTo(4.0);
        assertThat(g.uncertaintyThreshold()).isEqualTo(0.7);
    }

    @Test
    void guardianOff_andHipaaMode_areRead() {
        Policy policy = loader.load("name: g\npolicy: {mode: hipaa, guardian: {enabled: false}}\n" + TAIL, "g.yaml")
                .workflow()
                .policy()
                .orElseThrow();

        assertThat(policy.enableGuardian()).isFalse();
        assertThat(policy.scrubPhi()).isTrue();
        assertThat(policy.governance().dascAction()).isEqualTo(DascAction.BLOCK);
    }

    @Test
    void badSeveritiesAndUnknownGuardianKeys_areReportedWithLines() {
        List<String> problems = loader.validate("""
                name: g
                policy:
                  dasc_action: shrug
                  guardian:
                    secrets: panic
                    telepathy: block
                    spike_factor: 1
                """ + TAIL, "g.yaml");

        assertThat(problems)
                .anySatisfy(
                        p -> assertThat(p).startsWith("g.yaml:3:").contains("dasc action must be block, tool_error"))
                .anySatisfy(p -> assertThat(p).startsWith("g.yaml:5:").contains("secrets severity must be block"))
                .anySatisfy(p -> assertThat(p).startsWith("g.yaml:6:").contains("unknown key 'telepathy'"))
                .anySatisfy(p -> assertThat(p).startsWith("g.yaml:7:").contains("spike_factor must be > 1"));
    }
}
