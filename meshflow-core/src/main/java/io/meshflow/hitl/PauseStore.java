package io.meshflow.hitl;

import io.meshflow.MeshFlowException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where pauses and their webhook deliveries are kept. The ledgers implement it ({@link
 * io.meshflow.ledger.InMemoryLedger}, the JDBC ledger in tables {@code hitl_pauses} and {@code hitl_deliveries}), so
 * that a pause outlives the process that opened it and every replica on one database sees it.
 *
 * <p>Every change of state is conditional on the state it starts from, so that two reviewers, or two timeout
 * watchers on two replicas, never both decide one pause.
 */
public interface PauseStore {
    /** Records a new open pause. */
    void openPause(Pause pause);

    /** The tenant's pause of that id. */
    Optional<Pause> pause(String tenantId, String pauseId);

    /** Every pause of a run, oldest first. */
    List<Pause> pauses(String tenantId, String runId);

    /** Open pauses of a tenant, or of every tenant when {@code tenantId} is null, oldest first. */
    List<Pause> pending(@Nullable String tenantId);

    /**
     * Decides an open pause for a reviewer.
     *
     * @return the decided pause
     * @throws PauseNotFoundException when the tenant has no such pause (or it belongs to another run)
     * @throws PauseAlreadyDecidedException when it was decided already
     * @throws PauseExpiredException when its deadline passed at {@code at}
     */
    Pause decide(String tenantId, String runId, String pauseId, Decision decision, Instant at);

    /**
     * Decides a pause whose deadline passed, on behalf of its timeout rule; empty when it is no longer open (a
     * reviewer, or another watcher, came first).
     */
    Optional<Pause> decideExpired(String pauseId, Decision decision, Instant at);

    /**
     * Hands a pause whose deadline passed to the next approvers with a new deadline; empty when it is no longer open
     * and expired (a reviewer, or another watcher, came first).
     */
    Optional<Pause> escalateExpired(String pauseId, List<String> approvers, @Nullable Instant newDeadline, Instant at);

    /** Open pauses whose deadline is at or before {@code now}, oldest deadline first, at most {@code limit}. */
    List<Pause> expired(Instant now, int limit);

    /** Decided pauses whose run is paused and has not taken the decision into its record yet. */
    List<Pause> decidedUnapplied(int limit);

    /** Notes that the resumed run recorded the decision of a pause. */
    void markApplied(String pauseId, Instant at);

    /**
     * Moves a paused run back to running, so that exactly one caller resumes it.
     *
     * @return true for the caller that moved it; false when it was not paused
     */
    boolean claimPausedRun(String tenantId, String runId);

    /** Records one webhook delivery attempt. */
    void recordDelivery(WebhookDelivery delivery);

    /** The delivery attempts of a pause, in order. */
    List<WebhookDelivery> deliveries(String tenantId, String pauseId);

    /**
     * Why a store refuses to decide a pause, as the exception to throw: the same answer from every store.
     *
     * @param found the tenant's pause of that id as stored, or {@code null} when there is none
     * @return a {@link PauseNotFoundException} when there is no such pause in that run, a
     *     {@link PauseAlreadyDecidedException} when it was decided (or its run ended), a {@link PauseExpiredException}
     *     when its deadline passed at {@code at}
     */
    static MeshFlowException refusal(@Nullable Pause found, String runId, String pauseId, Instant at) {
        if (found == null || !found.runId().equals(runId)) {
            return new PauseNotFoundException("run " + runId + " has no pause " + pauseId);
        }
        if (!found.isOpen()) {
            return new PauseAlreadyDecidedException("pause " + pauseId + " was already "
                    + found.status().name().toLowerCase(java.util.Locale.ROOT) + " by " + found.reviewerId() + " at "
                    + found.reviewedAt());
        }
        if (found.isExpired(at)) {
            return new PauseExpiredException("pause " + pauseId + " expired at " + found.expiresAt()
                    + "; its timeout rule (" + found.onTimeout().wireName() + ") decides it");
        }
        return new PauseAlreadyDecidedException("run " + runId + " is no longer waiting: it has ended");
    }
}
