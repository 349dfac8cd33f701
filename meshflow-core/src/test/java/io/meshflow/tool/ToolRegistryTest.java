package io.meshflow.tool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import io.meshflow.agent.Agent;
import io.meshflow.json.MeshJson;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolRegistryTest {
    private static Tool tool(String name) {
        return Tool.of(name, "d", MeshJson.parse("{\"type\":\"object\"}"), a -> ToolResult.success(name));
    }

    private final ToolRegistry registry =
            ToolRegistry.builder().register(tool("alpha"), tool("beta")).build();

    @Test
    void registeredTools_areListed_andResolvedByName() {
        assertThat(registry.names()).containsExactly("alpha", "beta");
        assertThat(registry.list()).extracting(Tool::name).containsExactly("alpha", "beta");
        assertThat(registry.resolve("beta").name()).isEqualTo("beta");
        assertThat(registry.find("gamma")).isEmpty();
    }

    @Test
    void unknownNames_failListingTheKnownOnes() {
        assertThatThrownBy(() -> registry.resolve(List.of("alpha", "gamma", "delta")))
                .isInstanceOf(ValidationException.class)
                .satisfies(e -> assertThat(((ValidationException) e).problems())
                        .containsExactly(
                                "unknown tool 'gamma'; known tools: alpha, beta",
                                "unknown tool 'delta'; known tools: alpha, beta"));
    }

    @Test
    void aNameTakenTwice_isRefused() {
        assertThatThrownBy(() -> registry.toBuilder().register(tool("alpha")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a tool named 'alpha' is registered already");
    }

    @Test
    void agentBuilder_resolvesToolNames_inTheOrderGiven_andFailsAtBuildOnUnknownOnes() {
        Tool local = tool("local");
        Agent agent = Agent.builder("a")
                .toolRegistry(registry)
                .tools("beta")
                .tools(local)
                .tools("alpha")
                .build();

        assertThat(agent.tools()).extracting(Tool::name).containsExactly("beta", "local", "alpha");
        assertThatThrownBy(() -> Agent.builder("a")
                        .toolRegistry(registry)
                        .tools("alpha", "calculater")
                        .build())
                .isInstanceOf(ValidationException.class)
                .hasMessage("agent a: unknown tool 'calculater'; known tools: alpha, beta");
    }

    @Test
    void installedRegistry_withoutToolLibraries_isEmpty_andSaysWhichModuleToAdd() {
        ToolRegistry installed = ToolRegistry.installed(getClass().getClassLoader());

        assertThat(installed.names()).isEmpty();
        assertThat(installed.unknown("calculator"))
                .isEqualTo("unknown tool 'calculator'; no tools are registered (add module"
                        + " io.meshflow:meshflow-tools for the built-in ones)");
    }
}
