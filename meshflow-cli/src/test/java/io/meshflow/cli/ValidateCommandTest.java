package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ValidateCommandTest {

    @Test
    void validFile_exits0_withItsSize() {
        Cli.Outcome run = Cli.run("validate", Fixtures.example("reflect.yaml"));

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo("valid: 3 nodes, 2 edges, 1 loop\n");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void invalidFile_listsEveryProblemAtOnce_exits2() {
        String file = Fixtures.workflow("invalid.yaml");

        Cli.Outcome run = Cli.run("validate", file);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().lines().toList()).first().isEqualTo(file + ": 6 problems:");
        assertThat(run.err())
                .contains("temperature must be within 0..2")
                .contains("unknown agent 'writr' (did you mean 'writer'?)")
                .contains("unknown agent 'critic'")
                .contains("unknown node 'reviw' (did you mean 'review'?)")
                .contains("expected a value")
                .contains("max_iterations must be at least 1");
    }

    @Test
    void malformedYaml_exits2_namingTheFile() {
        String file = Fixtures.workflow("malformed.yaml");

        Cli.Outcome run = Cli.run("validate", file);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains(file + ":3: YAML syntax error");
    }

    @Test
    void missingFile_exits2_namingTheFile() {
        Cli.Outcome run = Cli.run("validate", "nowhere.yaml");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).isEqualTo("meshflow: workflow file not found: nowhere.yaml\n");
    }

    @Test
    void noFile_isAUsageError_exits2() {
        Cli.Outcome run = Cli.run("validate");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Missing required parameter: '<workflow.yaml>'");
    }
}
