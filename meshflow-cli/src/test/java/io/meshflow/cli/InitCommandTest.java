package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InitCommandTest {

    @ParameterizedTest
    @ValueSource(strings = {"legal", "research", "coding"})
    void init_template_scaffoldsAProjectThatValidates_andRunsOffline(String template, @TempDir Path dir)
            throws Exception {
        Path project = dir.resolve("my-" + template);

        Cli.Outcome init = Cli.run("init", "--template", template, project.toString());

        assertThat(init.exitCode()).as(init.err()).isZero();
        assertThat(init.out()).contains("created " + project).contains("meshflow run workflow.yaml");
        for (String file : new String[] {"workflow.yaml", "policies/strict.yaml", ".env.example", ".gitignore"}) {
            assertThat(project.resolve(file)).isRegularFile();
        }
        assertThat(Files.readString(project.resolve("README.md")))
                .startsWith("# my-" + template)
                .contains("meshflow init --template " + template)
                .doesNotContain("{{");
        assertThat(Files.readString(project.resolve(".env.example"))).contains("ANTHROPIC_API_KEY=");

        String workflow = project.resolve("workflow.yaml").toString();
        Cli.Outcome validate = Cli.run("validate", workflow);
        assertThat(validate.exitCode()).as(validate.out() + validate.err()).isZero();
        assertThat(validate.out()).startsWith("valid: ");

        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        Cli.Outcome run = Cli.run("run", workflow, "--ledger", url, "--no-color");
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).containsPattern("run [0-9a-f-]{36} COMPLETED");

        // the project's stricter policy is a valid replay policy, and the replay reproduces the run
        String id = TraceCommandTest.runId(run.out());
        Cli.Outcome replay = Cli.run("replay", id, workflow, "--ledger", url, "--no-color");
        assertThat(replay.exitCode()).as(replay.out() + replay.err()).isZero();
        Cli.Outcome strict = Cli.run(
                "replay",
                id,
                workflow,
                "--policy",
                project.resolve("policies/strict.yaml").toString(),
                "--ledger",
                url,
                "--no-color");
        assertThat(strict.err()).isEmpty();
        assertThat(strict.out())
                .contains("BLOCKED budget/max_tokens")
                .contains("replayed BLOCKED (budget: rule max_tokens: ")
                .contains("would now be BLOCKED budget");
    }

    @ParameterizedTest
    @ValueSource(strings = {"finance", ""})
    void init_unknownTemplate_exits2_listingTheTemplates(String template, @TempDir Path dir) {
        Cli.Outcome init =
                Cli.run("init", "--template", template, dir.resolve("p").toString());

        assertThat(init.exitCode()).isEqualTo(2);
        assertThat(init.err()).contains("unknown template").contains("[coding, legal, research]");
        assertThat(dir.resolve("p")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"legal"})
    void init_intoANonEmptyDirectory_isRefused_andTouchesNothing(String template, @TempDir Path dir) throws Exception {
        Path mine = dir.resolve("workflow.yaml");
        Files.writeString(mine, "name: mine\n");

        Cli.Outcome init = Cli.run("init", "--template", template, dir.toString());

        assertThat(init.exitCode()).isEqualTo(2);
        assertThat(init.err()).contains("is not empty");
        assertThat(Files.readString(mine)).isEqualTo("name: mine\n");
        assertThat(dir.resolve("README.md")).doesNotExist();
    }
}
