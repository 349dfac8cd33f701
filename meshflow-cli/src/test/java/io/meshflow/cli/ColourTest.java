package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ColourTest {
    private static final String ESC = "\u001b[";

    @Test
    void notATerminal_noEscapeCodes() {
        Cli.Outcome run = Cli.run(Map.of(), false, "run", "--task", "x");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).doesNotContain(ESC);
    }

    @Test
    void terminal_colouredByAgent() {
        Cli.Outcome run = Cli.run(Map.of(), true, "run", "--task", "x");

        String assistantColour = ESC + Ansi.colourOf("assistant") + "m";
        assertThat(run.out())
                .contains(ESC + "1;" + Ansi.colourOf("assistant") + "m[assistant]" + ESC + "0m " + assistantColour);
    }

    @Test
    void terminal_butNoColorVariableOrFlag_noEscapeCodes() {
        assertThat(Cli.run(Map.of("NO_COLOR", "1"), true, "run", "--task", "x").out())
                .doesNotContain(ESC);
        assertThat(Cli.run(Map.of(), true, "run", "--task", "x", "--no-color").out())
                .doesNotContain(ESC);
        assertThat(Cli.run(Map.of("TERM", "dumb"), true, "run", "--task", "x").out())
                .doesNotContain(ESC);
    }

    @Test
    void testsRunWithoutATerminal_soTheRealDetectionSaysNo() {
        assertThat(CliEnvironment.system().stdoutIsTerminal()).isFalse();
    }

    @Test
    void agentColour_isStablePerAgentId() {
        assertThat(Ansi.colourOf("writer")).isEqualTo(Ansi.colourOf(new String("writer".toCharArray())));
        assertThat(Ansi.colourOf("writer")).isNotEqualTo(31);
    }
}
