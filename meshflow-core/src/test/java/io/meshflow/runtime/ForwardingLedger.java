package io.meshflow.runtime;

import io.meshflow.ledger.Checkpoint;
import io.meshflow.ledger.InMemoryLedger;
import io.meshflow.ledger.Ledger;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.StepRecord;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** A test ledger that hands every call to an in-memory ledger; subclasses change the calls they test. */
abstract class ForwardingLedger implements Ledger {
    final InMemoryLedger inner;

    ForwardingLedger(InMemoryLedger inner) {
        this.inner = inner;
    }

    @Override
    public void runStarted(RunRecord run) {
        inner.runStarted(run);
    }

    @Override
    public void append(StepRecord step, @Nullable Checkpoint checkpoint) {
        inner.append(step, checkpoint);
    }

    @Override
    public void runEnded(RunRecord run) {
        inner.runEnded(run);
    }

    @Override
    public Optional<RunRecord> run(String tenantId, String runId) {
        return inner.run(tenantId, runId);
    }

    @Override
    public List<StepRecord> steps(String tenantId, String runId) {
        return inner.steps(tenantId, runId);
    }

    @Override
    public List<RunRecord> runs(String tenantId, int limit) {
        return inner.runs(tenantId, limit);
    }

    @Override
    public Optional<Checkpoint> checkpoint(String tenantId, String runId) {
        return inner.checkpoint(tenantId, runId);
    }

    @Override
    public Optional<StepRecord> step(String tenantId, String stepId) {
        return inner.step(tenantId, stepId);
    }
}
