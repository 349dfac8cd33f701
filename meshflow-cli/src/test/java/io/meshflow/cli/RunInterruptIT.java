package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.json.MeshJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Ctrl-C on a real {@code meshflow} process: the run is cancelled, reported, and the process exits 130. */
class RunInterruptIT {

    @Test
    @Timeout(60)
    void ctrlC_duringARun_cancelsIt_endsTheStreamWithRunEnd_andExits130() throws Exception {
        String longTask = "Summarise this. " + "The quarter had many risks worth listing one by one. ".repeat(60);
        Process meshflow = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Main.class.getName(),
                        "run",
                        "--json",
                        "--task",
                        longTask)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        List<JsonNode> events = new ArrayList<>();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(meshflow.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            boolean interrupted = false;
            while ((line = out.readLine()) != null) {
                JsonNode event = MeshJson.parse(line);
                events.add(event);
                if (!interrupted && event.get("type").asText().equals("TOKEN_DELTA")) {
                    interrupt(meshflow.pid());
                    interrupted = true;
                }
            }
        }

        assertThat(meshflow.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(meshflow.exitValue()).isEqualTo(130);
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.get("type").asText()).isEqualTo("RUN_END");
        assertThat(last.get("status").asText()).isEqualTo("CANCELLED");
    }

    private static void interrupt(long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(pid)).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }
}
