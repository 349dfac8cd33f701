package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.json.MeshJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** examples/memory.yaml: what a {@code meshflow run} remembers is recalled by the next one, on the same ledger. */
class AgentMemoryCliTest {
    private static final String ANSWER =
            "Noted: the customer's router is a Fritz!Box 7590; firmware 7.57 is current for it.";

    private static Cli.Outcome run(String url, String... more) {
        List<String> args = new ArrayList<>(List.of("run", Fixtures.example("memory.yaml"), "--json", "--ledger", url));
        args.addAll(List.of(more));
        Cli.Outcome run = Cli.run(args.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.err()).isZero();
        return run;
    }

    /** The texts of the memories each MEMORY_RECALLED event of a run's NDJSON carried. */
    private static List<String> recalled(Cli.Outcome run) {
        List<String> texts = new ArrayList<>();
        for (String line : run.out().lines().toList()) {
            JsonNode event = MeshJson.parse(line);
            if (event.path("type").asText().equals("MEMORY_RECALLED")) {
                event.path("memories").forEach(m -> texts.add(m.path("text").asText()));
            }
        }
        return texts;
    }

    private static String runId(Cli.Outcome run) {
        return MeshJson.parse(run.out().lines().findFirst().orElseThrow())
                .path("run_id")
                .asText();
    }

    @Test
    void aSecondRun_recallsWhatTheFirstRemembered_andAnotherTenantDoesNot(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");

        Cli.Outcome first = run(url, "--task", "The customer's router is a Fritz!Box 7590.");
        Cli.Outcome second = run(url);
        Cli.Outcome otherTenant = run(url, "--tenant", "globex");

        assertThat(recalled(first)).isEmpty();
        assertThat(recalled(second)).containsExactly(ANSWER);
        assertThat(recalled(otherTenant)).isEmpty();
    }

    @Test
    void deletingTheRun_erasesItsMemory_andTheReceiptCountsIt(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        String first = runId(run(url, "--task", "The customer's router is a Fritz!Box 7590."));

        Cli.Outcome deleted = Cli.run("admin", "delete-run", first, "--by", "dpo", "--ledger", url);

        assertThat(deleted.exitCode()).as(deleted.err()).isZero();
        assertThat(deleted.out()).contains("1 step record(s), 1 checkpoint(s), 1 memory(ies)");
        assertThat(recalled(run(url))).isEmpty();
    }

    @Test
    void summarizeAfter_theAgentsModelSummarisesTheOlderMemories_andTheAuditShowsIt(@TempDir Path dir) {
        String url = "jdbc:sqlite:" + dir.resolve("ledger.db");
        Cli.Outcome run = Cli.run("run", Fixtures.example("memory-summary.yaml"), "--json", "--ledger", url);
        assertThat(run.exitCode()).as(run.err()).isZero();

        Cli.Outcome audit = Cli.run("audit", runId(run), "--ledger", url);

        assertThat(audit.out())
                .contains("[memory/consolidated INFO]")
                .containsPattern("scope default/analyst/\\*: 3 memories consolidated into 2 \\(older ones summarised"
                        + " by scripted in \\d+ tokens costing \\$0\\.000000, the 1 newest kept\\)");
        // the next run's first step recalls the summary and the newest finding, not the two summarised ones
        Cli.Outcome again = Cli.run("run", Fixtures.example("memory-summary.yaml"), "--json", "--ledger", url);
        JsonNode firstRecall = again.out()
                .lines()
                .map(MeshJson::parse)
                .filter(e -> e.path("type").asText().equals("MEMORY_RECALLED"))
                .findFirst()
                .orElseThrow();
        List<String> texts = new ArrayList<>();
        firstRecall.path("memories").forEach(m -> texts.add(m.path("text").asText()));
        assertThat(texts)
                .containsExactlyInAnyOrder(
                        "March: a 40-minute Oslo scanner outage on 3 March; invoice exports failed on 9 March"
                                + " (expired SFTP certificate).",
                        "Finding: on 21 March two parcels were labelled for the wrong depot after a printer swap.");
    }
}
