package io.meshflow.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.ValidationException;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.ledger.RunStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProvidersTest {

    @Test
    void scripted_isFoundByName_andAnswersWithItsReplies() {
        LlmProvider provider = Providers.forName("scripted", Map.of("replies", List.of("first", "second")));

        assertThat(provider.name()).isEqualTo("scripted");
        assertThat(Providers.available()).contains("scripted");
        assertThat(provider.complete(request()).content()).isEqualTo("first");
        assertThat(provider.complete(request()).content()).isEqualTo("second");
    }

    @Test
    void unknownName_namesTheModuleToAddAndWhatIsAvailable() {
        assertThatThrownBy(() -> Providers.forName("mistral", Map.of()))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("unknown provider 'mistral'")
                .hasMessageContaining("io.meshflow:meshflow-provider-mistral")
                .hasMessageContaining("available: ")
                .hasMessageContaining("scripted");
    }

    @Test
    void agentShorthand_createsTheProviderAtBuildTime_andRunsEndToEnd() {
        Agent agent = Agent.builder("clerk")
                .provider("scripted")
                .providerSetting("fallback", "Filed under contracts/2026.")
                .model("scripted-2")
                .build();

        RunResult result = Mesh.builder().build().run(Team.sequential("file", agent), "File this NDA");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.output()).isEqualTo("Filed under contracts/2026.");
        assertThat(agent.provider())
                .isSameAs(Agent.builder("other")
                        .provider("scripted")
                        .providerSetting("fallback", "Filed under contracts/2026.")
                        .model("scripted-2")
                        .build()
                        .provider());
    }

    @Test
    void agentShorthand_badSettingsFailTheBuild_namingTheAgent() {
        assertThatThrownBy(() -> Agent.builder("clerk")
                        .provider("scripted")
                        .providerSetting("token_delay_ms", "slow")
                        .build())
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("agent clerk: scripted: token_delay_ms must be a whole number");
        assertThatThrownBy(() -> Agent.builder("clerk")
                        .providerSetting("base_url", "http://x")
                        .build())
                .hasMessageContaining("providerSetting needs provider(String)");
    }

    private static LlmRequest request() {
        return new LlmRequest("a", "s", "", "", List.of(ChatMessage.user("hi")), List.of(), 64, null);
    }
}
