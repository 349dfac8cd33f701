package io.meshflow.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import org.junit.jupiter.api.Test;

class WorkflowValidationTest {

    private static final StepFunction ECHO = (in, ctx) -> in;

    private static WorkflowDefinition.Builder abc() {
        return WorkflowDefinition.builder("wf")
                .addFunctionNode("a", ECHO)
                .addFunctionNode("b", ECHO)
                .addFunctionNode("c", ECHO);
    }

    @Test
    void edgeToUnknownNode_isNamed() {
        assertThatThrownBy(() -> abc().addEdge("a", "b")
                        .addEdge("b", "c")
                        .addEdge("c", "d")
                        .build())
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("edge c -> d: unknown node 'd'")
                .hasMessageContaining("known nodes: a, b, c");
    }

    @Test
    void cycleOfOrdinaryEdges_isNamedWithItsNodes() {
        assertThatThrownBy(() -> abc().addEdge("a", "b")
                        .addEdge("b", "c")
                        .addEdge("c", "b")
                        .build())
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("cycle made of ordinary edges: b -> c -> b")
                .hasMessageContaining("addLoopEdge");
    }

    @Test
    void unreachableNode_withDeclaredEntry_isNamed() {
        assertThatThrownBy(() ->
                        abc().entry("a").addEdge("a", "b").addEdge("c", "b").build())
                .isInstanceOf(ValidationException.class)
                .satisfies(e -> assertThat(((ValidationException) e).problems())
                        .containsExactly("node 'c' is unreachable from the entry nodes [a]"));
    }

    @Test
    void isolatedNode_isReported() {
        assertThatThrownBy(() -> abc().addEdge("a", "b").build())
                .isInstanceOf(ValidationException.class)
                .hasMessage("node 'c' is not connected to any other node;"
                        + " add an edge to or from it, or declare the entry nodes explicitly");
    }

    @Test
    void loopEdgeThatClosesNoLoop_isRejected() {
        assertThatThrownBy(() -> abc().addEdge("a", "b")
                        .addEdge("b", "c")
                        .addLoopEdge("a", "c", (o, x) -> true, 3)
                        .build())
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("loop edge a -> c: 'c' does not lead back to 'a'");
    }

    @Test
    void duplicateNodeAndBadIds_areAllReportedAtOnce() {
        ValidationException e = (ValidationException)
                org.assertj.core.api.Assertions.catchThrowable(() -> WorkflowDefinition.builder("wf")
                        .addFunctionNode("a", ECHO)
                        .addFunctionNode("a", ECHO)
                        .addFunctionNode("has space", ECHO)
                        .addLoopEdge("a", "a", (o, x) -> true, 0)
                        .build());
        assertThat(e.problems())
                .containsExactly(
                        "node 'a' is declared twice",
                        "node id 'has space' must be 1-64 letters, digits, '_' or '-'",
                        "loop edge a -> a: max_iterations must be >= 1, got 0");
    }

    @Test
    void emptyWorkflow_isRejected() {
        assertThatThrownBy(() -> WorkflowDefinition.builder("empty").build())
                .hasMessage("workflow 'empty' has no nodes");
    }

    @Test
    void validGraph_compilesEntriesAndSinks() {
        WorkflowDefinition wf = abc().addEdge("a", "b").addEdge("a", "c").build();
        GraphPlan plan = wf.plan();
        assertThat(plan.entries()).containsExactly(plan.indexOf("a"));
        assertThat(plan.isSink(plan.indexOf("b"))).isTrue();
        assertThat(plan.isSink(plan.indexOf("a"))).isFalse();
        assertThat(wf.nodes()).containsOnlyKeys("a", "b", "c");
    }
}
