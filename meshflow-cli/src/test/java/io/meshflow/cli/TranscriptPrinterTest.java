package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.event.MeshEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TranscriptPrinterTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TranscriptPrinter printer =
            new TranscriptPrinter(new PrintStream(bytes, true, StandardCharsets.UTF_8), Ansi.off());

    @Test
    void parallelBranches_interleaved_eachSwitchStartsALabelledLine() {
        token("s1", "legal", "Clause 4");
        token("s2", "finance", "Budget");
        token("s2", "finance", " is fine");
        token("s1", "legal", " is risky");
        end();

        assertThat(output()).isEqualTo("[legal] Clause 4\n[finance] Budget is fine\n[legal]  is risky\n");
    }

    @Test
    void newlinesInsideAStep_keepEveryLineLabelled() {
        token("s1", "writer", "line one\nline");
        token("s1", "writer", " two\n");
        token("s1", "writer", "three");
        end();

        assertThat(output()).isEqualTo("[writer] line one\n[writer] line two\n[writer] three\n");
    }

    @Test
    void blankLinesBetweenParagraphs_areKept_unlabelled() {
        token("s1", "editor", "Title\n\nBody");
        token("s1", "editor", "\n");
        end();

        assertThat(output()).isEqualTo("[editor] Title\n\n[editor] Body\n");
    }

    @Test
    void sameAgent_nextStep_startsANewLine() {
        token("s1", "critic", "REVISE");
        token("s2", "critic", "APPROVED");
        end();

        assertThat(output()).isEqualTo("[critic] REVISE\n[critic] APPROVED\n");
    }

    private void token(String stepId, String agentId, String text) {
        printer.onEvent(new MeshEvent.TokenDelta(
                1, "run", stepId, agentId, "default", Instant.EPOCH, List.of(agentId), agentId, text));
    }

    private void end() {
        printer.onEvent(new MeshEvent.RunEnd(
                2, "run", null, null, "default", Instant.EPOCH, List.of(), "COMPLETED", "", 0, 0, 0, 0, null));
    }

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
