package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.governance.Governance;
import io.meshflow.json.MeshJson;
import io.meshflow.memory.RetrievedChunk;
import io.meshflow.rag.DocumentStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestCommandTest {

    @Test
    void ingest_addsTheExampleDocsToANamedKnowledgeBase_again_replacesTheirChunks(@TempDir Path dir) {
        String docs = Path.of("..", "examples", "docs").toString();

        Cli.Outcome first = Cli.run("ingest", "--kb", "shop", "--dir", dir.toString(), docs);
        Cli.Outcome again = Cli.run("ingest", "--kb", "shop", "--dir", dir.toString(), docs);

        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out())
                .startsWith("ingested 3 documents (")
                .contains("into knowledge base 'shop' at " + dir.resolve("shop.kb"))
                .contains("with all-minilm-l6-v2-q");
        int chunks = DocumentStore.open(dir.resolve("shop.kb")).index().size();
        assertThat(first.out()).endsWith("it holds " + chunks + " chunks\n");
        assertThat(again.out()).endsWith("it holds " + chunks + " chunks\n");
        List<RetrievedChunk> hit = DocumentStore.open(dir.resolve("shop.kb")).retrieve("Is there a guarantee?", 1);
        assertThat(hit.get(0).source()).endsWith("warranty.txt");
    }

    @Test
    void ingest_withDataClasses_labelsEveryChunk_andABadClassNameIsInvalidUsage(@TempDir Path dir) throws Exception {
        Path payroll = Files.writeString(dir.resolve("payroll.md"), "Q3 payroll came to 1.2 million dollars.");

        Cli.Outcome labelled = Cli.run(
                "ingest",
                "--kb",
                "finance",
                "--dir",
                dir.toString(),
                "--data-class",
                "financial,pii",
                payroll.toString());
        Cli.Outcome bad = Cli.run(
                "ingest", "--kb", "other", "--dir", dir.toString(), "--data-class", "top secret", payroll.toString());

        assertThat(labelled.exitCode()).as(labelled.err()).isZero();
        RetrievedChunk chunk = DocumentStore.open(dir.resolve("finance.kb"))
                .retrieve("payroll", 1)
                .get(0);
        assertThat(Governance.dataClasses(chunk.metadata())).containsExactlyInAnyOrder("financial", "pii");
        assertThat(bad.exitCode()).isEqualTo(ExitCode.USAGE.code());
        assertThat(bad.err()).contains("data class 'top secret' must be 1-64 letters");
        assertThat(dir.resolve("other.kb")).doesNotExist();
    }

    @Test
    void ingest_emptyPdf_failsAsInvalidUsage_namingTheFile(@TempDir Path dir) throws Exception {
        Path empty = Files.createFile(dir.resolve("scan.pdf"));
        Cli.Outcome run = Cli.run("ingest", "--dir", dir.toString(), empty.toString());
        assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE.code());
        assertThat(run.err()).contains("scan.pdf: the file is empty (0 bytes), so it is not a PDF");
        assertThat(dir.resolve("default.kb")).doesNotExist();
    }

    @Test
    void runExample_rag_answersFromTheDocs() {
        Cli.Outcome run = Cli.run("run", Fixtures.example("rag.yaml"), "--json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode end = MeshJson.parse(run.out().lines().reduce((a, b) -> b).orElseThrow());
        assertThat(end.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(end.get("steps").asLong()).isEqualTo(2);
    }
}
