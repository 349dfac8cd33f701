package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.event.MeshEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CancelWhenOutputClosedTest {

    @Test
    void readerGone_cancelsTheRunOnce_retryingUntilTheHandleIsKnown() {
        PrintStream closedPipe = new PrintStream(
                new OutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        throw new IOException("Broken pipe");
                    }
                },
                true,
                StandardCharsets.UTF_8);
        AtomicInteger attempts = new AtomicInteger();
        CancelWhenOutputClosed sink = new CancelWhenOutputClosed(
                new NdjsonEventWriter(closedPipe), closedPipe, () -> attempts.incrementAndGet() >= 2);

        for (int i = 0; i < 5; i++) {
            sink.onEvent(event(i));
        }

        assertThat(attempts).hasValue(2);
    }

    @Test
    void readerPresent_neverCancels() {
        PrintStream open = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        AtomicInteger attempts = new AtomicInteger();
        CancelWhenOutputClosed sink = new CancelWhenOutputClosed(new NdjsonEventWriter(open), open, () -> {
            attempts.incrementAndGet();
            return true;
        });

        sink.onEvent(event(1));

        assertThat(attempts).hasValue(0);
    }

    private static MeshEvent event(long seq) {
        return new MeshEvent.RunStart(seq, "run", null, null, "default", Instant.EPOCH, List.of(), "wf", "task");
    }
}
