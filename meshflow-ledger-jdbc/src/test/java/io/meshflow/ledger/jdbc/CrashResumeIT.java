package io.meshflow.ledger.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.ledger.Durability;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.policy.Policy;
import io.meshflow.workflow.WorkflowDefinition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's process is killed in the middle of step 3 of 4 (the JVM halts: no shutdown hooks, no cleanup, as with
 * {@code kill -9}); a new process resumes it from the SQLite ledger. Steps 1 and 2 do not run again, 3 and 4 run
 * once, and the chain verifies.
 */
class CrashResumeIT {
    private static final String RUN_ID = "crash-resume-1";

    /** The child process: {@code crash|resume <url> <log> [sync|async]}. */
    public static void main(String[] args) throws IOException {
        String mode = args[0];
        String url = args[1];
        Path log = Path.of(args[2]);
        Durability durability = args.length > 3 ? Durability.valueOf(args[3]) : Durability.SYNC;
        WorkflowDefinition workflow = workflow(mode, log);
        try (JdbcLedger ledger = JdbcLedger.open(url);
                Mesh mesh = Mesh.builder()
                        .ledger(ledger)
                        .workflow(workflow)
                        .policy(Policy.defaults().toBuilder()
                                .durability(durability)
                                .build())
                        .build()) {
            RunResult result = mode.equals("crash")
                    ? mesh.run(RunRequest.builder("contract 42")
                            .workflow(workflow)
                            .runId(RUN_ID)
                            .build())
                    : mesh.resume(RUN_ID);
            System.out.println("status=" + result.status());
        }
    }

    private static WorkflowDefinition workflow(String mode, Path log) {
        WorkflowDefinition.Builder b = WorkflowDefinition.builder("four-steps");
        for (int i = 1; i <= 4; i++) {
            String node = "s" + i;
            b.addFunctionNode(node, (input, ctx) -> {
                Files.writeString(
                        log,
                        mode + ":" + node + "\n",
                        StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
                if (mode.equals("crash") && node.equals("s3")) {
                    Runtime.getRuntime().halt(137);
                }
                return node + "(" + input + ")";
            });
            if (i > 1) {
                b.addEdge("s" + (i - 1), node);
            }
        }
        return b.build();
    }

    private static Process child(String mode, String url, Path log) throws IOException {
        return child(mode, url, log, Durability.SYNC);
    }

    private static Process child(String mode, String url, Path log, Durability durability) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                CrashResumeIT.class.getName(),
                mode,
                url,
                log.toString(),
                durability.name()));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static String finish(Process process) throws Exception {
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("child finished").isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void killedDuringStepThree_resumesInANewProcess_withoutRerunningCommittedSteps(@TempDir Path dir) throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        Path log = dir.resolve("executions.log");

        Process crashed = child("crash", url, log);
        String crashOutput = finish(crashed);
        assertThat(crashed.exitValue()).as(crashOutput).isEqualTo(137);

        try (JdbcLedger ledger = JdbcLedger.open(url)) {
            assertThat(ledger.run("default", RUN_ID).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
            assertThat(ledger.steps("default", RUN_ID))
                    .extracting(StepRecord::nodeId)
                    .containsExactly("s1", "s2");
        }

        Process resumed = child("resume", url, log);
        String resumeOutput = finish(resumed);
        assertThat(resumed.exitValue()).as(resumeOutput).isZero();
        assertThat(resumeOutput).contains("status=COMPLETED");

        assertThat(Files.readAllLines(log))
                .containsExactly("crash:s1", "crash:s2", "crash:s3", "resume:s3", "resume:s4");
        try (JdbcLedger ledger = JdbcLedger.open(url)) {
            List<StepRecord> steps = ledger.steps("default", RUN_ID);
            assertThat(steps).extracting(StepRecord::nodeId).containsExactly("s1", "s2", "s3", "s4");
            assertThat(steps.get(3).outputContent()).isEqualTo("s4(s3(s2(s1(contract 42))))");
            assertThat(ledger.run("default", RUN_ID).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(ledger.verifyChain("default", RUN_ID).valid()).isTrue();
        }
    }

    @Test
    void asyncRun_killedDuringStepThree_resumesFromWhatHadCommitted(@TempDir Path dir) throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        Path log = dir.resolve("executions.log");

        Process crashed = child("crash", url, log, Durability.ASYNC);
        String crashOutput = finish(crashed);
        assertThat(crashed.exitValue()).as(crashOutput).isEqualTo(137);

        List<String> committed;
        try (JdbcLedger ledger = JdbcLedger.open(url)) {
            // the background writer may not have committed s1 and s2 before the process died
            committed = ledger.steps("default", RUN_ID).stream()
                    .map(StepRecord::nodeId)
                    .toList();
            assertThat(List.of(List.of(), List.of("s1"), List.of("s1", "s2"))).contains(committed);
            assertThat(ledger.verifyChain("default", RUN_ID).valid()).isTrue();
        }

        Process resumed = child("resume", url, log, Durability.ASYNC);
        String resumeOutput = finish(resumed);
        assertThat(resumed.exitValue()).as(resumeOutput).isZero();
        assertThat(resumeOutput).contains("status=COMPLETED");

        List<String> expected = new ArrayList<>(List.of("crash:s1", "crash:s2", "crash:s3"));
        for (int i = committed.size() + 1; i <= 4; i++) {
            expected.add("resume:s" + i);
        }
        assertThat(Files.readAllLines(log)).containsExactlyElementsOf(expected);
        try (JdbcLedger ledger = JdbcLedger.open(url)) {
            List<StepRecord> steps = ledger.steps("default", RUN_ID);
            assertThat(steps).extracting(StepRecord::nodeId).containsExactly("s1", "s2", "s3", "s4");
            assertThat(steps.get(3).outputContent()).isEqualTo("s4(s3(s2(s1(contract 42))))");
            assertThat(ledger.run("default", RUN_ID).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(ledger.verifyChain("default", RUN_ID).valid()).isTrue();
        }
    }
}
