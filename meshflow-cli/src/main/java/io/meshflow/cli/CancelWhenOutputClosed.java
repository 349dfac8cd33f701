package io.meshflow.cli;

import io.meshflow.event.EventSink;
import io.meshflow.event.MeshEvent;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Passes events on to a printer and cancels the run once standard output is gone (a reader such as {@code head}
 * exited): nobody can see the rest, so the run should not go on using a model. The JVM ignores SIGPIPE, so a failed
 * write is the only sign.
 */
final class CancelWhenOutputClosed implements EventSink {
    private final EventSink printer;
    private final PrintStream out;
    private final BooleanSupplier cancel;
    private final AtomicBoolean cancelled = new AtomicBoolean();

    /**
     * @param cancel cancels the run; returns false when it could not yet (the run's handle is not known), so that
     *     the next event tries again
     */
    CancelWhenOutputClosed(EventSink printer, PrintStream out, BooleanSupplier cancel) {
        this.printer = printer;
        this.out = out;
        this.cancel = cancel;
    }

    @Override
    public void onEvent(MeshEvent event) {
        printer.onEvent(event);
        if (!cancelled.get() && out.checkError() && cancel.getAsBoolean()) {
            cancelled.set(true);
        }
    }
}
