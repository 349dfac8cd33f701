package io.meshflow.workflow.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.provider.ChatMessage;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.ProviderException;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.AgentNode;
import io.meshflow.workflow.LoopEdge;
import io.meshflow.workflow.Node;
import io.meshflow.workflow.WorkflowDefinition;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** The workflow files under examples/ load, validate, and their scripts tell the story they claim. */
class ExamplesTest {
    private static final Path EXAMPLES = Path.of("..", "examples");

    private final WorkflowLoader loader = WorkflowLoader.builder().build();

    private static LlmRequest request(String agentId) {
        return new LlmRequest(agentId, "s", "", "", List.of(ChatMessage.user("go")), List.of(), 4096, null);
    }

    /** The example with streaming delays removed, so that its scripts can be replayed quickly. */
    private WorkflowFile withoutDelay(String name) throws java.io.IOException {
        String yaml = java.nio.file.Files.readString(EXAMPLES.resolve(name));
        String fast = yaml.replaceAll("token_delay_ms: \\d+", "token_delay_ms: 0");
        assertThat(fast).isNotEqualTo(yaml);
        return loader.load(fast, name);
    }

    private static String agentOf(WorkflowDefinition workflow, String nodeId) {
        Node node = Objects.requireNonNull(workflow.nodes().get(nodeId), nodeId);
        return ((AgentNode) node).agent().id();
    }

    @Test
    void examples_validateWithoutProblems() {
        assertThat(loader.validate(EXAMPLES.resolve("reflect.yaml"))).isEmpty();
        assertThat(loader.validate(EXAMPLES.resolve("contract-review.yaml"))).isEmpty();
    }

    @Test
    void reflect_isGenerateCritiqueRefineWithALoopBackToGenerate() {
        WorkflowFile file = loader.load(EXAMPLES.resolve("reflect.yaml"));
        WorkflowDefinition workflow = file.workflow();

        assertThat(workflow.name()).isEqualTo("reflect");
        assertThat(file.task()).startsWith("Write the customer-facing summary");
        assertThat(workflow.nodes().keySet()).containsExactly("generate", "critique", "refine");
        assertThat(agentOf(workflow, "generate")).isEqualTo("writer");
        assertThat(agentOf(workflow, "critique")).isEqualTo("reviewer");
        assertThat(agentOf(workflow, "refine")).isEqualTo("editor");
        assertThat(workflow.edges())
                .containsExactly(Map.entry("generate", "critique"), Map.entry("critique", "refine"));
        assertThat(workflow.loops()).singleElement().satisfies(loop -> {
            assertThat(loop.from()).isEqualTo("refine");
            assertThat(loop.to()).isEqualTo("generate");
            assertThat(loop.maxIterations()).isEqualTo(5);
        });
        assertThat(workflow.policy().orElseThrow().maxSteps()).isEqualTo(30);
    }

    @Test
    void reflect_reviewerScript_loopsTwiceThenStops_soTheRunTakesThreeRounds() throws Exception {
        WorkflowFile file = withoutDelay("reflect.yaml");
        LoopEdge loop = file.workflow().loops().get(0);
        ScriptedProvider scripted = file.scripted();

        List<Boolean> loopsAgain = new java.util.ArrayList<>();
        for (int round = 1; round <= 3; round++) {
            scripted.complete(request("writer"));
            String critique = scripted.complete(request("reviewer")).content();
            scripted.complete(request("editor"));
            loopsAgain.add(loop.condition().test("edited", FakeRoute.withOutputs(Map.of("critique", critique))));
        }

        assertThat(loopsAgain).containsExactly(true, true, false);
        // exactly three rounds are scripted: a fourth call fails loudly
        assertThatThrownBy(() -> scripted.complete(request("writer"))).isInstanceOf(ProviderException.class);
        assertThatThrownBy(() -> scripted.complete(request("reviewer"))).isInstanceOf(ProviderException.class);
        assertThatThrownBy(() -> scripted.complete(request("editor"))).isInstanceOf(ProviderException.class);
    }

    @Test
    void contractReview_fansOutToThreeReviewersAndFansInToTheSummary() {
        WorkflowFile file = loader.load(EXAMPLES.resolve("contract-review.yaml"));
        WorkflowDefinition workflow = file.workflow();

        assertThat(workflow.nodes().keySet())
                .containsExactly("intake", "liability", "termination", "data_protection", "summary");
        assertThat(workflow.edges())
                .containsExactly(
                        Map.entry("intake", "liability"),
                        Map.entry("intake", "termination"),
                        Map.entry("intake", "data_protection"),
                        Map.entry("liability", "summary"),
                        Map.entry("termination", "summary"),
                        Map.entry("data_protection", "summary"));
        assertThat(workflow.loops()).isEmpty();
        assertThat(workflow.routers()).isEmpty();
        var plan = workflow.plan();
        assertThat(plan.entries()).containsExactly(plan.indexOf("intake"));
        assertThat(plan.inEdges(plan.indexOf("summary"))).hasSize(3);
        assertThat(plan.isSink(plan.indexOf("summary"))).isTrue();
    }

    @Test
    void contractReview_everyAgentHasOneScriptedReply() throws Exception {
        WorkflowFile file = withoutDelay("contract-review.yaml");
        ScriptedProvider scripted = file.scripted();

        for (String agent : List.of(
                "intake", "liability_reviewer", "termination_reviewer", "data_protection_reviewer", "summariser")) {
            assertThat(scripted.complete(request(agent)).content()).isNotBlank();
            assertThatThrownBy(() -> scripted.complete(request(agent))).isInstanceOf(ProviderException.class);
        }
    }
}
