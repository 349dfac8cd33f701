package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.json.MeshJson;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunCommandTest {

    @Test
    void runTask_withoutFile_streamsTheOfflineReplyThenTheSummary_exits0() {
        Cli.Outcome run = Cli.run("run", "--task", "Summarise our Q3 risks");

        assertThat(run.exitCode()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out())
                .contains("[assistant] This is MeshFlow's offline scripted model")
                .contains("Your task was: \"Summarise our Q3 risks\"")
                .containsPattern("#\\s+node\\s+agent\\s+verdict\\s+tokens\\s+cost\\s+ms")
                .containsPattern("\\n1\\s+assistant\\s+assistant\\s+COMMIT\\s+\\d+\\s+\\$0\\.0000\\s+\\d+\\n")
                .containsPattern("total: 1 step, \\d+ tokens, \\$0\\.0000, \\d+ ms")
                .containsPattern("run [0-9a-f-]{36} COMPLETED")
                .contains("ledger: " + Cli.TEST_LEDGER + " (meshflow verify ");
    }

    @Test
    void runJson_printsOnlyTheEventStream_oneJsonObjectPerLine_inOrder() {
        Cli.Outcome run = Cli.run("run", "--task", "x", "--json");

        assertThat(run.exitCode()).isZero();
        assertThat(run.err()).isEmpty();
        List<JsonNode> events = run.out().lines().map(MeshJson::parse).toList();
        List<String> types = events.stream().map(e -> e.get("type").asText()).toList();
        assertThat(types.get(0)).isEqualTo("RUN_START");
        assertThat(types.get(types.size() - 1)).isEqualTo("RUN_END");
        assertThat(types).contains("STEP_START", "TOKEN_DELTA", "STEP_END");
        assertThat(types.indexOf("TOKEN_DELTA")).isLessThan(types.indexOf("STEP_END"));
        assertThat(types.lastIndexOf("TOKEN_DELTA")).isLessThan(types.indexOf("STEP_END"));
        assertThat(events).extracting(e -> e.get("seq").asLong()).isSorted().doesNotHaveDuplicates();
        assertThat(events.get(events.size() - 1).get("status").asText()).isEqualTo("COMPLETED");
        String streamed = events.stream()
                .filter(e -> e.get("type").asText().equals("TOKEN_DELTA"))
                .map(e -> e.get("text").asText())
                .reduce("", String::concat);
        assertThat(streamed).contains("offline scripted model").contains("\"x\"");
    }

    @Test
    void run_missingFile_exits2_namingTheFile() {
        Cli.Outcome run = Cli.run("run", "no-such-workflow.yaml", "--task", "x");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("meshflow: workflow file not found: no-such-workflow.yaml\n");
    }

    @Test
    void run_withoutFileOrTask_exits2_sayingWhatIsMissing() {
        Cli.Outcome run = Cli.run("run");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("nothing to run").contains("--task");
    }

    @Test
    void run_unknownPolicyMode_exits2_listingTheKnownOnes() {
        Cli.Outcome run = Cli.run("run", "--task", "x", "--policy", "lax");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("'lax'").contains("dev, standard, strict, hipaa");
    }

    @Test
    void run_invalidTenant_exits2() {
        Cli.Outcome run = Cli.run("run", "--task", "x", "--tenant", "no spaces allowed");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("tenant id 'no spaces allowed'");
    }

    @Test
    void run_tenantAndPolicy_areUsedForTheRun() {
        Cli.Outcome run = Cli.run("run", "--task", "x", "--tenant", "acme", "--policy", "strict", "--json");

        assertThat(run.exitCode()).isZero();
        assertThat(MeshJson.parse(run.out().lines().findFirst().orElseThrow())
                        .get("tenant_id")
                        .asText())
                .isEqualTo("acme");
    }

    @Test
    void unknownOption_exits2_withOneLineOnStandardError() {
        Cli.Outcome run = Cli.run("run", "--tsk", "x");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().lines().findFirst().orElseThrow())
                .isEqualTo("meshflow run: Unknown option: '--tsk' (see 'meshflow run --help')");
    }

    @Test
    void errors_showNoStackTrace_unlessVerbose() {
        assertThat(Cli.run("run", "missing.yaml").err()).doesNotContain("\tat ");
        assertThat(Cli.run("run", "missing.yaml", "--verbose").err())
                .contains("workflow file not found: missing.yaml")
                .contains("\tat io.meshflow.");
    }

    @Test
    void noCommand_exits2_andShowsTheUsage() {
        Cli.Outcome run = Cli.run();

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("missing command").contains("Usage: meshflow");
    }

    @Test
    void helpAndVersion_exit0() {
        Cli.Outcome help = Cli.run("--help");
        Cli.Outcome version = Cli.run("--version");

        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("Usage: meshflow").contains("run").contains("validate");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).startsWith("meshflow 0.").doesNotContain("${").contains("Java ");
    }
}
