package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.UncertaintySource;
import io.meshflow.provider.LlmResponse;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.provider.StopReason;
import io.meshflow.provider.TokenUsage;
import java.util.List;
import org.junit.jupiter.api.Test;

class UncertaintyTest {

    private static LlmResponse response(String content, List<Double> logprobs) {
        return new LlmResponse(content, List.of(), StopReason.END_TURN, TokenUsage.of(1, 1), 0, "m", logprobs);
    }

    @Test
    void logprobs_winOverEverythingElse() {
        Uncertainty.Estimate e =
                Uncertainty.estimate(response("CONFIDENCE: 0.1", List.of(Math.log(0.9), Math.log(0.7))), true);
        assertThat(e.source()).isEqualTo(UncertaintySource.LOGPROBS);
        assertThat(e.value()).isCloseTo(1 - Math.sqrt(0.9 * 0.7), within(1e-9));
    }

    @Test
    void selfReportedConfidence_isUsedOnlyWhenTheAgentWasAsked() {
        assertThat(Uncertainty.estimate(response("Looks fine.\nCONFIDENCE: 0.8", List.of()), true))
                .isEqualTo(new Uncertainty.Estimate(1 - 0.8, UncertaintySource.SELF_REPORTED));
        assertThat(Uncertainty.estimate(response("Looks fine.\nConfidence: 65%", List.of()), true)
                        .value())
                .isCloseTo(0.35, within(1e-9));
        assertThat(Uncertainty.estimate(response("Looks fine.\nCONFIDENCE: 0.8", List.of()), false))
                .isEqualTo(new Uncertainty.Estimate(0.5, UncertaintySource.UNKNOWN));
        assertThat(Uncertainty.estimate(response("CONFIDENCE: 7", List.of()), true)
                        .source())
                .isEqualTo(UncertaintySource.SELF_REPORTED);
        assertThat(Uncertainty.estimate(response("CONFIDENCE: 700", List.of()), true)
                        .source())
                .as("out of range is ignored")
                .isEqualTo(UncertaintySource.UNKNOWN);
    }

    @Test
    void steps_recordUncertaintyAndItsSource() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent("sure", "Yes.\nCONFIDENCE: 0.9")
                .forAgent("plain", "Maybe.")
                .build();
        Agent sure = Agent.builder("sure").reportsConfidence(true).build();
        Agent plain = Agent.builder("plain").build();

        RunResult result = Mesh.builder().provider(model).build().run(Team.sequential("u", sure, plain), "q");

        StepRecord first = result.steps().get(0);
        assertThat(first.uncertainty()).isCloseTo(0.1, within(1e-9));
        assertThat(first.uncertaintySource()).isEqualTo(UncertaintySource.SELF_REPORTED);
        assertThat(model.requests().get(0).systemPrompt()).contains("CONFIDENCE");
        assertThat(result.steps().get(1).uncertaintySource()).isEqualTo(UncertaintySource.UNKNOWN);
        assertThat(result.steps().get(1).uncertainty()).isEqualTo(0.5);
    }
}
