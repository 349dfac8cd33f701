package io.meshflow.cli;

import io.meshflow.event.EventSink;
import io.meshflow.event.MeshEvent;
import java.io.PrintStream;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Prints a run for people as it happens: each agent's tokens as they stream, in the agent's own colour, every line
 * labelled {@code [agent]}. When tokens of another step arrive (a parallel branch, the next node, a loop's next pass)
 * a new labelled line starts, so interleaved branches stay readable. Tool calls show as faint lines.
 */
final class TranscriptPrinter implements EventSink {
    private static final int TOOL_TEXT_LIMIT = 120;

    private final PrintStream out;
    private final Ansi ansi;
    private @Nullable String streamingStep;
    private boolean atLineStart = true;
    private boolean printedTokens;

    TranscriptPrinter(PrintStream out, Ansi ansi) {
        this.out = out;
        this.ansi = ansi;
    }

    @Override
    public synchronized void onEvent(MeshEvent event) {
        switch (event) {
            case MeshEvent.RunStart start ->
                out.println(ansi.dim("Running workflow '" + start.workflow() + "' for tenant '" + start.tenantId()
                        + "' (run " + start.runId() + ")"));
            case MeshEvent.TokenDelta delta -> printTokens(delta);
            case MeshEvent.ToolCall call ->
                printLine(
                        call.agentId(),
                        "-> " + call.toolName() + " "
                                + abbreviate(call.arguments().toString()));
            case MeshEvent.ToolResult result ->
                printLine(
                        result.agentId(),
                        "<- " + result.toolName() + (result.isError() ? " failed: " : ": ")
                                + abbreviate(result.content()));
            case MeshEvent.MemoryRecalled recalled ->
                printLine(
                        recalled.agentId(),
                        "recalled " + recalled.memories().size()
                                + (recalled.memories().size() == 1 ? " memory" : " memories"));
            case MeshEvent.RunEnd end -> endLine();
            case MeshEvent.StepStart start -> {
                // nothing to show until tokens arrive
            }
            case MeshEvent.StepEnd end -> {
                // the summary lists every step
            }
            case MeshEvent.RunPaused paused -> {
                endLine();
                for (String pauseId : paused.pauseIds()) {
                    out.println(ansi.yellow("waiting for a decision: pause " + pauseId + " (meshflow approve "
                            + paused.runId() + " --pause " + pauseId + ", or meshflow reject ...)"));
                }
            }
            case MeshEvent.RunBlocked blocked -> {
                // the summary says why the run was blocked
            }
            case MeshEvent.ErrorEvent error -> {
                // the summary says why the run failed
            }
        }
        out.flush();
    }

    /** True once any model token has been printed. */
    synchronized boolean printedTokens() {
        return printedTokens;
    }

    private void printTokens(MeshEvent.TokenDelta delta) {
        if (!Objects.equals(delta.stepId(), streamingStep)) {
            endLine();
            streamingStep = delta.stepId();
        }
        printedTokens = true;
        String agentId = delta.agentId();
        String text = delta.text();
        int from = 0;
        while (from < text.length()) {
            int newline = text.indexOf('\n', from);
            int to = newline < 0 ? text.length() : newline;
            if (to > from) {
                if (atLineStart) {
                    // the colour stays on while this line streams; endLine() resets it
                    out.print(ansi.agentLabel(agentId, "[" + agentId + "]") + " " + ansi.startAgent(agentId));
                    atLineStart = false;
                }
                out.print(text.substring(from, to));
            }
            if (newline < 0) {
                break;
            }
            if (atLineStart) {
                out.print('\n'); // a blank line between paragraphs, left unlabelled
            } else {
                endLine();
            }
            from = newline + 1;
        }
    }

    private void printLine(String agentId, String text) {
        endLine();
        out.println(ansi.agentLabel(agentId, "[" + agentId + "]") + " " + ansi.dim(text));
        // the agent's next tokens continue on a fresh labelled line
        streamingStep = null;
    }

    private void endLine() {
        if (!atLineStart) {
            out.print(ansi.reset());
            out.println();
            atLineStart = true;
        }
    }

    private static String abbreviate(String text) {
        String oneLine = text.replace('\n', ' ').strip();
        return oneLine.length() <= TOOL_TEXT_LIMIT ? oneLine : oneLine.substring(0, TOOL_TEXT_LIMIT - 3) + "...";
    }
}
