package io.meshflow.cli;

import io.meshflow.event.EventSink;
import io.meshflow.event.MeshEvent;
import io.meshflow.json.MeshJson;
import java.io.PrintStream;

/**
 * Writes each event as one line of JSON (NDJSON), in MeshFlow's wire format, flushed at once so that a pipe reader
 * sees events live.
 */
final class NdjsonEventWriter implements EventSink {
    private final PrintStream out;

    NdjsonEventWriter(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void onEvent(MeshEvent event) {
        out.print(MeshJson.write(event));
        out.print('\n');
        out.flush();
    }
}
