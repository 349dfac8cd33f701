package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgressTest {

    @Test
    void bar_showsTheShareDone_andNeverOverflows() {
        assertThat(Progress.bar("ingesting", 0, 4)).isEqualTo("ingesting [" + "░".repeat(24) + "] 0/4   0%");
        assertThat(Progress.bar("ingesting", 1, 4))
                .isEqualTo("ingesting [" + "█".repeat(6) + "░".repeat(18) + "] 1/4  25%");
        assertThat(Progress.bar("x", 4, 4)).endsWith("] 4/4 100%").contains("█".repeat(24));
        assertThat(Progress.bar("x", 9, 4)).contains("█".repeat(24)).endsWith("100%");
        assertThat(Progress.bar("x", 3, 0)).endsWith("] 3/0   0%");
    }

    @Test
    void ingest_withProgressForced_drawsTheBarOnStandardError_only(@TempDir Path dir) {
        String docs = Path.of("..", "examples", "docs").toString();

        Cli.Outcome on =
                Cli.run(Map.of(Progress.VARIABLE, "1"), false, "ingest", "--kb", "shop", "--dir", dir.toString(), docs);
        Cli.Outcome off =
                Cli.run(Map.of(Progress.VARIABLE, "0"), false, "ingest", "--kb", "shop", "--dir", dir.toString(), docs);

        assertThat(on.exitCode()).as(on.err()).isZero();
        assertThat(on.err()).contains("\ringesting [").contains("] 3/3 100%").endsWith("\n");
        assertThat(on.out()).startsWith("ingested 3 documents").doesNotContain("█");
        assertThat(off.err()).isEmpty();
    }

    @Test
    void progress_isOffByDefault_whenStandardErrorIsNotATerminal(@TempDir Path dir) {
        String docs = Path.of("..", "examples", "docs").toString();

        Cli.Outcome run = Cli.run("ingest", "--kb", "shop", "--dir", dir.toString(), docs);

        assertThat(run.exitCode()).isZero();
        assertThat(run.err()).doesNotContain("ingesting [");
    }
}
