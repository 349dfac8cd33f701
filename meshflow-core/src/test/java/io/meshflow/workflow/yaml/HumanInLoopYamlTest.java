package io.meshflow.workflow.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import io.meshflow.hitl.HumanInLoopConfig;
import io.meshflow.hitl.TimeoutAction;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code policy: human_in_loop:} and per-node {@code approval:} in workflow files. */
class HumanInLoopYamlTest {
    private final WorkflowLoader loader = WorkflowLoader.builder().build();

    @Test
    void policyAndNodeApprovals_makeOneConfiguration() {
        WorkflowFile file = loader.load("""
                name: wire-transfer
                policy:
                  human_in_loop:
                    before: send
                    tools: [write_file, http_request]
                    uncertainty_above: 0.7
                    cost_above: 0.25
                    approvers: [treasury@example.com]
                    webhook_url: https://hooks.example.com/meshflow
                    webhook_secret: 0123456789abcdef0123
                    timeout: 24h
                    on_timeout: escalate
                    escalate_to:
                      approvers: [cfo@example.com]
                      timeout: 4h
                nodes:
                  - id: prepare
                    function: identity
                    approval: after
                  - id: send
                    function: identity
                edges:
                  - from: prepare
                    to: send
                """, "wire.yaml");

        HumanInLoopConfig hitl = file.workflow().policy().orElseThrow().humanInLoop();
        assertThat(hitl.beforeNodes()).containsExactly("send");
        assertThat(hitl.afterNodes()).containsExactly("prepare");
        assertThat(hitl.tools()).containsExactlyInAnyOrder("write_file", "http_request");
        assertThat(hitl.uncertaintyAbove()).isEqualTo(0.7);
        assertThat(hitl.costAbove()).isEqualTo(0.25);
        assertThat(hitl.approvers()).containsExactly("treasury@example.com");
        assertThat(hitl.webhook()).isNotNull();
        assertThat(java.util.Objects.requireNonNull(hitl.webhook()).url())
                .isEqualTo(URI.create("https://hooks.example.com/meshflow"));
        assertThat(hitl.timeout()).isEqualTo(Duration.ofHours(24));
        assertThat(hitl.onTimeout()).isEqualTo(TimeoutAction.ESCALATE);
        assertThat(hitl.escalation()).isNotNull();
        assertThat(java.util.Objects.requireNonNull(hitl.escalation()).approvers())
                .containsExactly("cfo@example.com");
        assertThat(java.util.Objects.requireNonNull(hitl.escalation()).timeout())
                .isEqualTo(Duration.ofHours(4));
    }

    @Test
    void mistakes_areEachReportedWithTheirLine() {
        assertThatThrownBy(() -> loader.load("""
                        name: bad
                        policy:
                          human_in_loop:
                            before: [sned]
                            webhook_url: ftp://hooks.example.com/x
                            webhook_secret: 0123456789abcdef0123
                            on_timeout: shrug
                        nodes:
                          - id: send
                            function: identity
                            approval: sometimes
                        """, "bad.yaml"))
                .isInstanceOf(ValidationException.class)
                .satisfies(e -> assertThat(((ValidationException) e).problems())
                        .anySatisfy(p -> assertThat(p)
                                .contains("bad.yaml:4")
                                .contains("unknown node 'sned'")
                                .contains("did you mean 'send'"))
                        .anySatisfy(p -> assertThat(p).contains("bad.yaml:5").contains("http or https"))
                        .anySatisfy(p -> assertThat(p).contains("bad.yaml:7").contains("approve, reject or escalate"))
                        .anySatisfy(p ->
                                assertThat(p).contains("bad.yaml:11").contains("approval must be before or after")));
    }

    @Test
    void escalateWithoutASecondApprover_orAWebhookWithoutASecret_isRefused() {
        assertThatThrownBy(() -> loader.load("""
                        name: bad
                        policy:
                          human_in_loop:
                            timeout: 1h
                            on_timeout: escalate
                            webhook_url: https://hooks.example.com/x
                        nodes:
                          - id: send
                            function: identity
                        """, "bad.yaml"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("escalate needs escalate_to")
                .hasMessageContaining("webhook_url needs webhook_secret_env");
    }

    @Test
    void humanInLoopThatIsNotAMapping_isReportedOnce() {
        assertThatThrownBy(() -> loader.load("""
                        name: bad
                        policy:
                          human_in_loop: always
                        nodes:
                          - id: send
                            function: identity
                        """, "bad.yaml"))
                .isInstanceOf(ValidationException.class)
                .satisfies(e -> assertThat(((ValidationException) e).problems())
                        .filteredOn(p -> p.contains("human_in_loop"))
                        .hasSize(1));
    }
}
