package io.meshflow.trace;

import io.meshflow.ledger.Ledger;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.StepRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A run as the ledger recorded it: the run's record and its steps in order of {@code seq}. This is the one shape of a
 * trace: {@code GET /traces/{runId}}, {@code meshflow trace --export} and the web trace viewer all use it, so that
 * a trace exported on the command line equals the server's.
 *
 * @param run the run's record
 * @param steps its steps, oldest first
 */
public record Trace(RunRecord run, List<TraceStep> steps) {

    /** Copies the list. */
    public Trace {
        steps = List.copyOf(steps);
    }

    /**
     * Reads a run's trace from the ledger.
     *
     * @return the trace, or empty when the tenant has no such run
     * @throws io.meshflow.ledger.LedgerException when the ledger cannot be read
     */
    public static Optional<Trace> read(Ledger ledger, String tenantId, String runId) {
        Optional<RunRecord> run = ledger.run(tenantId, runId);
        if (run.isEmpty()) {
            return Optional.empty();
        }
        List<TraceStep> steps = new ArrayList<>();
        for (StepRecord s : ledger.steps(tenantId, runId)) {
            steps.add(TraceStep.of(s));
        }
        return Optional.of(new Trace(run.get(), steps));
    }
}
