package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshflow trace} on a real terminal: a JVM running the command inside tmux (a private tmux server), driven by
 * {@code send-keys} and read with {@code capture-pane}, as a person at a terminal would use it. Not skipped when tmux
 * is missing: it fails, naming the package ({@code .ci/run} installs it).
 */
class TraceInteractiveIT {
    private static final String SOCKET =
            "meshflow-trace-it-" + ProcessHandle.current().pid();
    private static final String SESSION = "trace";

    @TempDir
    Path dir;

    @AfterEach
    void killTmux() throws Exception {
        tmux("kill-server");
    }

    @Test
    void trace_onATerminal_downAndEnterExpandTheSecondStep_qQuits() throws Exception {
        assertThat(Path.of("/usr/bin/tmux"))
                .as("tmux drives this test: apt-get install tmux (.ci/run does)")
                .isExecutable();
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String id = TraceCommandTest.record(url, Fixtures.workflow("tight-budget.yaml"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path script = dir.resolve("trace.sh");
        Files.writeString(
                script,
                "#!/bin/sh\n" + "'" + java + "' --enable-native-access=ALL-UNNAMED -cp '"
                        + System.getProperty("java.class.path") + "' io.meshflow.cli.Main trace " + id + " --ledger '"
                        + url + "'\n" + "echo \"TRACE-EXIT=$?\"\n" + "sleep 60\n",
                StandardCharsets.UTF_8);

        tmux("new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40", "sh " + script);
        String table = awaitScreen("↑/↓ select");
        assertThat(table).contains("1  plan").contains("3  review").doesNotContain("Draft: the memo");

        tmux("send-keys", "-t", SESSION, "Down", "Enter");
        String expanded = awaitScreen("Draft: the memo in three short sections.");
        assertThat(expanded).contains("step 2 draft").contains("output:").contains("Enter collapse");

        tmux("send-keys", "-t", SESSION, "Enter");
        String collapsed = awaitScreen("Enter expand");
        assertThat(collapsed).doesNotContain("Draft: the memo in three");

        tmux("send-keys", "-t", SESSION, "q");
        assertThat(awaitScreen("TRACE-EXIT=")).contains("TRACE-EXIT=0");
    }

    private static String awaitScreen(String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String screen = "";
        while (System.nanoTime() < deadline) {
            screen = tmux("capture-pane", "-p", "-t", SESSION);
            if (screen.contains(text)) {
                return screen;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the terminal never showed '" + text + "'; it shows:\n" + screen);
    }

    private static String tmux(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tmux", "-L", SOCKET));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(30, TimeUnit.SECONDS);
        return out;
    }
}
