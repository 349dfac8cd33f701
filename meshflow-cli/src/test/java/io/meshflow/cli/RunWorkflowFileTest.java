package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.json.MeshJson;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunWorkflowFileTest {

    @Test
    void runFile_usesTheFilesTaskAndScripts_streamsEachAgentOnItsOwnLines_exits0() {
        Cli.Outcome run = Cli.run("run", Fixtures.workflow("parallel-review.yaml"));

        assertThat(run.exitCode()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out())
                .contains("Running workflow 'parallel-review'")
                .contains("[summary] Two issues: uncapped liability and slow payment.")
                .containsPattern("\\d+\\s+legal_review\\s+legal\\s+COMMIT")
                .containsPattern("\\d+\\s+finance_review\\s+finance\\s+COMMIT")
                .containsPattern("3\\s+summarise\\s+summary\\s+COMMIT")
                .contains("total: 3 steps")
                .containsPattern("run [0-9a-f-]{36} COMPLETED");
        String legalText = run.out()
                .lines()
                .filter(line -> line.startsWith("[legal] "))
                .map(line -> line.substring("[legal] ".length()))
                .reduce("", String::concat);
        assertThat(legalText).isEqualTo("Liability is uncapped.");
    }

    @Test
    void runFile_taskOption_overridesTheFilesTask() {
        Cli.Outcome run =
                Cli.run("run", Fixtures.workflow("parallel-review.yaml"), "--task", "Check the NDA", "--json");

        JsonNode start = MeshJson.parse(run.out().lines().findFirst().orElseThrow());
        assertThat(start.get("type").asText()).isEqualTo("RUN_START");
        assertThat(start.get("task").asText()).isEqualTo("Check the NDA");
    }

    @Test
    void runFile_policyAllowsTooFewSteps_isBlocked_exits3() {
        Cli.Outcome run = Cli.run("run", Fixtures.workflow("max-steps-1.yaml"));

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.out())
                .containsPattern("run [0-9a-f-]{36} BLOCKED")
                .contains("reason: budget: rule max_steps: node 'edit' would be step 2 of the run; the run policy"
                        + " allows max_steps 1");
    }

    @Test
    void runFile_blocked_json_endsWithRunBlockedThenRunEnd() {
        Cli.Outcome run = Cli.run("run", Fixtures.workflow("max-steps-1.yaml"), "--json");

        assertThat(run.exitCode()).isEqualTo(3);
        List<String> types = run.out()
                .lines()
                .map(line -> MeshJson.parse(line).get("type").asText())
                .toList();
        assertThat(types.subList(types.size() - 2, types.size())).containsExactly("RUN_BLOCKED", "RUN_END");
    }

    @Test
    void runFile_malformedYaml_exits2_namingTheFileAndLine() {
        String file = Fixtures.workflow("malformed.yaml");

        Cli.Outcome run = Cli.run("run", file);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("meshflow: " + file + ":").contains("YAML syntax error");
    }

    @Test
    void runFile_invalidWorkflow_exits2_listingEveryProblem() {
        Cli.Outcome run = Cli.run("run", Fixtures.workflow("invalid.yaml"), "--task", "x");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .contains("problems:")
                .contains("unknown agent 'writr'")
                .contains("unknown node 'reviw'");
    }

    @Test
    void runExample_reflect_completesInThreeRounds() {
        Cli.Outcome run = Cli.run("run", Fixtures.example("reflect.yaml"), "--json");

        assertThat(run.exitCode()).isZero();
        JsonNode end = MeshJson.parse(
                run.out().lines().reduce((first, second) -> second).orElseThrow());
        assertThat(end.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(end.get("steps").asLong()).isEqualTo(9);
    }
}
