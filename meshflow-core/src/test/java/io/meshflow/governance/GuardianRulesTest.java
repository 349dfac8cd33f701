package io.meshflow.governance;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.UncertaintySource;
import io.meshflow.policy.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GuardianRulesTest {
    private static final GovernancePolicy POLICY = GovernancePolicy.standard();

    private static GuardianRule rule(String name) {
        return GuardianRules.shipped().stream()
                .filter(r -> r.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private static GuardianSubject.StepOutput output(String text, long tokens, double cost) {
        return new GuardianSubject.StepOutput("agent", "node", text, tokens, cost, 0, UncertaintySource.UNKNOWN);
    }

    private static Optional<String> secrets(String text) {
        return rule(GuardianRules.SECRETS).inspect(output(text, 0, 0), List.of(), POLICY);
    }

    private static StepRecord agentStep(long seq, long tokens) {
        Instant at = Instant.EPOCH;
        return new StepRecord(
                "run",
                "step" + seq,
                seq,
                "t",
                "node",
                "agent",
                "task",
                "out",
                false,
                Verdict.COMMIT,
                0,
                UncertaintySource.UNKNOWN,
                tokens,
                0.001,
                1,
                at,
                at);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "key AKIAIOSFODNN7EXAMPLE here",
                "temporary ASIAIOSFODNN7EXAMPLE",
                "AWS_Secret_Access_Key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYA",
                "aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYA'",
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA",
                "token ghp_abcdefghijklmnopqrstuvwxyz0123456789",
                "slack xoxb-1234567890-abcdef",
                "key sk-ant-abcdefghijklmnopqrstuvwx",
                "gemini AIzaSyA1234567890abcdefghijklmnopqrstuv",
                "jwt eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4"
            })
    void secretsRule_findsEveryKindOfSecret_inAnyCaseTheExpressionAllows(String text) {
        assertThat(secrets(text))
                .hasValueSatisfying(evidence -> assertThat(evidence).startsWith("output holds secret"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "plain text with no key in it",
                "AKIA short",
                "ghp without an underscore, sk without a dash, xo xo",
                "aws secret access key spelled with spaces",
                "-----BEGIN CERTIFICATE-----"
            })
    void secretsRule_textWithoutASecret_passes(String text) {
        assertThat(secrets(text)).isEmpty();
    }

    @Test
    void secretsRule_secretAtTheEndOfALongGrowingText_isFound() {
        String text = " ok".repeat(5_000) + " sk-abcdefghijklmnopqrstuvwxyz";

        assertThat(secrets(text))
                .hasValueSatisfying(evidence -> assertThat(evidence).contains("at offset 15001"));
    }

    @Test
    void costSpikeRule_stepWithoutTokensOrCost_neverFires() {
        List<StepRecord> history = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            history.add(agentStep(i, 10));
        }

        Optional<String> finding = rule(GuardianRules.COST_SPIKE).inspect(output("x", 0, 0), history, POLICY);

        assertThat(finding).isEmpty();
    }

    @Test
    void costSpikeRule_stepFarAboveTheMedian_stillFires() {
        List<StepRecord> history = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            history.add(agentStep(i, 10));
        }

        Optional<String> finding = rule(GuardianRules.COST_SPIKE).inspect(output("x", 10_000, 0.001), history, POLICY);

        assertThat(finding).hasValueSatisfying(evidence -> assertThat(evidence).contains("10000 tokens"));
    }
}
