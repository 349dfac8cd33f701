package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.policy.Policy;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.MaxIterationsException;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoopTest {

    private static Agent agent(String id) {
        return Agent.builder(id).role(id).build();
    }

    @Test
    void reflectiveLoop_criticApprovesOnThirdRound_endsAfterExactlyThreeIterations() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent("writer", "draft 1", "draft 2", "draft 3")
                .forAgent("critic", "REVISE: too long", "REVISE: no example", "APPROVED")
                .forAgent("editor", "edit 1", "edit 2", "edit 3")
                .build();
        WorkflowDefinition wf =
                Team.reflective("reflect", List.of(agent("writer"), agent("critic"), agent("editor")), 5);
        Mesh mesh = Mesh.builder().provider(model).build();

        RunResult result = mesh.run(wf, "Write a haiku");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.steps())
                .extracting(StepRecord::nodeId)
                .containsExactly(
                        "writer", "critic", "editor", "writer", "critic", "editor", "writer", "critic", "editor");
        assertThat(result.loopIterations()).containsEntry("editor->writer", 3);
        assertThat(result.output()).isEqualTo("edit 3");
        assertThat(model.repliesGiven("critic")).isEqualTo(3);
        // the second draft was written with the first round's feedback in the prompt
        assertThat(model.requests().get(3).lastUserText()).contains("Output of editor:\nedit 1");
    }

    @Test
    void loopEdge_conditionNeverMet_stopsAtMaxIterations() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent("writer", "draft")
                .forAgent("critic", "REVISE")
                .repeatLastWhenExhausted()
                .build();
        WorkflowDefinition wf = Team.reflective("never", List.of(agent("writer"), agent("critic")), 4);
        Mesh mesh = Mesh.builder().provider(model).build();

        RunResult result = mesh.run(wf, "task");

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.failure())
                .isInstanceOf(MaxIterationsException.class)
                .hasMessageContaining("critic -> writer")
                .hasMessageContaining("max_iterations=4");
        assertThat(result.steps()).hasSize(8);
        assertThat(mesh.ledger().run("default", result.runId()).orElseThrow().status())
                .isEqualTo(RunStatus.FAILED);
    }

    @Test
    void maxSteps_capsLoopsToo() {
        WorkflowDefinition wf = WorkflowDefinition.builder("count")
                .addFunctionNode("tick", (input, ctx) -> "tick " + ctx.iteration())
                .addLoopEdge("tick", "tick", (output, ctx) -> true, 1_000)
                .build();
        Mesh mesh = Mesh.builder().policy(Policy.builder().maxSteps(7).build()).build();

        RunResult result = mesh.run(wf, "go");

        assertThat(result.status()).isEqualTo(RunStatus.BLOCKED);
        assertThat(result.blockReason()).isEqualTo("budget");
        assertThat(result.error()).contains("rule max_steps: node 'tick' would be step 8 of the run");
        assertThat(result.steps()).hasSize(7);
        assertThat(result.steps().get(6).outputContent()).isEqualTo("tick 7");
    }

    @Test
    void selfLoop_runsUntilConditionFails_andSeesItsPreviousOutput() {
        WorkflowDefinition wf = WorkflowDefinition.builder("countdown")
                .addFunctionNode(
                        "dec",
                        (input, ctx) -> String.valueOf(
                                ctx.iteration() == 1
                                        ? 5
                                        : Integer.parseInt(ctx.inputs().get("dec")) - 1))
                .addLoopEdge("dec", "dec", (output, ctx) -> Integer.parseInt(output) > 0, 10)
                .build();

        RunResult result = Mesh.builder().build().run(wf, "start");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.steps()).extracting(StepRecord::outputContent).containsExactly("5", "4", "3", "2", "1", "0");
        assertThat(result.output()).isEqualTo("0");
    }

    @Test
    void nestedLoop_innerCounterRestartsEachOuterRound() {
        // outer: a -> b -> c, loop c -> a twice; inner: loop b -> b three passes per outer round
        WorkflowDefinition wf = WorkflowDefinition.builder("nested")
                .addFunctionNode("a", (in, ctx) -> "a")
                .addFunctionNode("b", (in, ctx) -> "b")
                .addFunctionNode("c", (in, ctx) -> "c")
                .addEdge("a", "b")
                .addEdge("b", "c")
                .addLoopEdge("b", "b", (out, ctx) -> ctx.runs("b") % 3 != 0, 3)
                .addLoopEdge("c", "a", (out, ctx) -> ctx.runs("c") < 2, 2)
                .build();

        RunResult result = Mesh.builder().build().run(wf, "go");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.steps())
                .extracting(StepRecord::nodeId)
                .containsExactly("a", "b", "b", "b", "c", "a", "b", "b", "b", "c");
    }

    @Test
    void loopAfterwards_continuesToDownstreamNodes() {
        WorkflowDefinition wf = WorkflowDefinition.builder("then")
                .addFunctionNode("work", (in, ctx) -> "pass " + ctx.iteration())
                .addFunctionNode("publish", (in, ctx) -> "published " + in)
                .addEdge("work", "publish")
                .addLoopEdge("work", "work", (out, ctx) -> !out.equals("pass 3"), 5)
                .build();

        RunResult result = Mesh.builder().build().run(wf, "go");

        assertThat(result.steps()).extracting(StepRecord::nodeId).containsExactly("work", "work", "work", "publish");
        assertThat(result.output()).isEqualTo("published pass 3");
    }
}
