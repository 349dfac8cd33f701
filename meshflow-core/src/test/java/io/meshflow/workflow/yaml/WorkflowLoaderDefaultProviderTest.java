package io.meshflow.workflow.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import io.meshflow.agent.Agent;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.AgentNode;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** {@code WorkflowLoader.Builder#defaultProvider} and {@code #defaultModel}: what {@code meshflow run --provider} uses. */
class WorkflowLoaderDefaultProviderTest {
    private static final String FILE = """
            name: pair
            providers:
              default: scripted
              echo-test:
                prefix: "from-file:"
            agents:
              - id: writer
                model: scripted-large
                script: ["draft"]
              - id: pinned
                provider: scripted
                model: pinned-model
                script: ["pinned"]
            nodes:
              - id: write
                agent: writer
              - id: pin
                agent: pinned
            edges:
              - from: write
                to: pin
            """;

    private static Agent agent(WorkflowFile file, String nodeId) {
        return ((AgentNode) Objects.requireNonNull(file.workflow().nodes().get(nodeId))).agent();
    }

    @Test
    void defaultProvider_replacesTheFilesDefault_forAgentsNamingNone_withTheFilesSettingsAndTheGivenOnesOnTop() {
        WorkflowFile file = WorkflowLoader.builder()
                .defaultProvider("echo-test", Map.of("extra", "1"))
                .build()
                .load(FILE, "pair.yaml");

        Agent writer = agent(file, "write");
        assertThat(writer.provider()).isInstanceOf(EchoProviderFactory.Echo.class);
        assertThat(((EchoProviderFactory.Echo) Objects.requireNonNull(writer.provider())).settings())
                .containsEntry("prefix", "from-file:")
                .containsEntry("extra", "1");
        // its model: named a model of the file's provider
        assertThat(writer.model()).isEmpty();
        Agent pinned = agent(file, "pin");
        assertThat(pinned.provider()).isInstanceOf(ScriptedProvider.class);
        assertThat(pinned.model()).isEqualTo("pinned-model");
    }

    @Test
    void defaultModel_replacesTheModelOfAgentsUsingTheDefaultProvider() {
        WorkflowFile file = WorkflowLoader.builder()
                .defaultProvider("echo-test", Map.of())
                .defaultModel("big-model")
                .build()
                .load(FILE, "pair.yaml");
        assertThat(agent(file, "write").model()).isEqualTo("big-model");
        assertThat(agent(file, "pin").model()).isEqualTo("pinned-model");

        WorkflowFile sameProvider =
                WorkflowLoader.builder().defaultModel("other").build().load(FILE, "pair.yaml");
        assertThat(agent(sameProvider, "write").model()).isEqualTo("other");
        assertThat(agent(sameProvider, "write").provider()).isSameAs(sameProvider.scripted());
    }

    @Test
    void defaultProvider_unknown_isReportedWithTheAvailableOnes() {
        WorkflowLoader loader =
                WorkflowLoader.builder().defaultProvider("nope", Map.of()).build();

        assertThatThrownBy(() -> loader.load(FILE, "pair.yaml"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("unknown provider 'nope'")
                .hasMessageContaining("echo-test");
    }
}
