package io.meshflow.ledger;

import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The audit ledger: the source of truth for what every run did. Append-only: a step record, once appended, is never
 * changed. Implementations are thread-safe (parallel branches append concurrently) and scope every read to a tenant.
 */
public interface Ledger extends AutoCloseable {
    /** Records that a run started; its status is {@link RunStatus#RUNNING}. */
    void runStarted(RunRecord run);

    /** Appends a step record to its run. */
    default void append(StepRecord step) {
        append(step, null);
    }

    /**
     * Appends a step record and, in the same transaction, the run's checkpoint after it (when given). Either both
     * are recorded or neither is.
     *
     * @throws LedgerException when nothing could be recorded; what was recorded before is unaffected
     */
    void append(StepRecord step, @Nullable Checkpoint checkpoint);

    /**
     * Appends consecutive steps of one run (ascending {@code seq} without gaps), each with its checkpoint. A ledger
     * with transactions records them all or none; the default appends them one by one (signed when an append names a
     * signer), stopping at the first that fails.
     *
     * @throws LedgerException when they could not be recorded; what was recorded before is unaffected
     */
    default void append(List<LedgerAppend> appends) {
        for (LedgerAppend a : appends) {
            append(a.step(), a.checkpoint(), a.signer());
        }
    }

    /**
     * Records a run's start, consecutive steps of it and its end together: a ledger with transactions writes them in
     * one, so that a short run costs one commit. Each part may be left out: {@code started} null for a run already
     * recorded, {@code appends} empty, {@code ended} null for a run that goes on. The default records them one after
     * the other.
     *
     * @throws LedgerException when they could not be recorded; a ledger with transactions has then recorded none of
     *     them
     */
    default void record(@Nullable RunRecord started, List<LedgerAppend> appends, @Nullable RunRecord ended) {
        if (started != null) {
            runStarted(started);
        }
        if (!appends.isEmpty()) {
            append(appends);
        }
        if (ended != null) {
            runEnded(ended);
        }
    }

    /**
     * True when {@link #append(List)} records all the steps it is given or none of them (one transaction). The engine
     * then hands it the steps of a run that complete together in one call, with only the checkpoint after the last
     * of them; otherwise (the default) it appends every step with its own checkpoint, so that a crash between two
     * appends never leaves a committed step behind its run's checkpoint.
     */
    default boolean appendsAtomically() {
        return false;
    }

    /**
     * True when the engine should hand this ledger a checkpoint with every committed step (the default). A ledger
     * that cannot resume runs may decline, sparing the engine the snapshot.
     */
    default boolean checkpoints() {
        return true;
    }

    /** The run's latest checkpoint, if any. */
    Optional<Checkpoint> checkpoint(String tenantId, String runId);

    /** One step record by its id, within the tenant. */
    Optional<StepRecord> step(String tenantId, String stepId);

    /** Records how a run ended; the record carries the final status, totals, output and error. */
    void runEnded(RunRecord run);

    /** The run with this id in this tenant, if any. */
    Optional<RunRecord> run(String tenantId, String runId);

    /** The run's step records in order of {@code seq}; empty for an unknown run. */
    List<StepRecord> steps(String tenantId, String runId);

    /** The tenant's most recent runs, newest first, at most {@code limit}. */
    List<RunRecord> runs(String tenantId, int limit);

    /**
     * Appends a step record like {@link #append(StepRecord, Checkpoint)}, signed by {@code signer} over its entry
     * hash when the ledger keeps a hash chain; a ledger without one (the default) appends it unsigned.
     *
     * @throws LedgerException when nothing could be recorded
     */
    default void append(StepRecord step, @Nullable Checkpoint checkpoint, @Nullable StepSigner signer) {
        append(step, checkpoint);
    }

    /**
     * Makes an agent identity known to the ledger; registering it again does nothing.
     *
     * @throws LedgerException when this ledger keeps no identities or the write fails
     */
    default void registerIdentity(RegisteredIdentity identity) {
        throw new LedgerException(getClass().getSimpleName() + " keeps no agent identities");
    }

    /** The identities the ledger knows, oldest first. */
    default List<RegisteredIdentity> identities() {
        return List.of();
    }

    /**
     * Revokes an identity, effective for every engine on this ledger from its next step; revoking it again keeps the
     * first revocation.
     *
     * @throws LedgerException when this ledger keeps no revocation list or the write fails
     */
    default void revoke(Revocation revocation) {
        throw new LedgerException(getClass().getSimpleName() + " keeps no revocation list");
    }

    /** The revocation of an identity, if it is revoked. */
    default Optional<Revocation> revocation(String did) {
        return revocations().stream().filter(r -> r.did().equals(did)).findFirst();
    }

    /** Every revocation, oldest first. */
    default List<Revocation> revocations() {
        return List.of();
    }

    /**
     * Records a governance finding about a run.
     *
     * @throws LedgerException when this ledger keeps no findings or the write fails
     */
    default void recordFinding(AuditFinding finding) {
        throw new LedgerException(getClass().getSimpleName() + " keeps no audit findings");
    }

    /** The findings recorded for a run, in order of recording. */
    default List<AuditFinding> findings(String tenantId, String runId) {
        return List.of();
    }

    /**
     * What the tenant's steps that ended at or after {@code since} cost, across all its runs, with the model calls
     * outside steps that findings report ({@link AuditFinding#costUsd}, a memory consolidation's summary): what a
     * daily budget is checked against. The default adds up the tenant's most recent 10,000 runs' step records and
     * findings.
     */
    default double tenantCostSince(String tenantId, java.time.Instant since) {
        double total = 0;
        for (RunRecord run : runs(tenantId, 10_000)) {
            for (StepRecord step : steps(tenantId, run.runId())) {
                if (!step.endedAt().isBefore(since)) {
                    total += step.costUsd();
                }
            }
            for (AuditFinding finding : findings(tenantId, run.runId())) {
                if (!finding.createdAt().isBefore(since)) {
                    total += finding.costUsd();
                }
            }
        }
        return total;
    }

    /** Releases resources; the default does nothing. */
    @Override
    default void close() {}
}
