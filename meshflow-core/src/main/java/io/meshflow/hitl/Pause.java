package io.meshflow.hitl;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One open or decided request for a human decision inside a run. A run may hold several at once (one per parallel
 * branch); deciding one resumes only its branch.
 *
 * @param pauseId its id (what approve/reject name)
 * @param runId the run
 * @param tenantId the run's tenant
 * @param nodeId the node that waits
 * @param kind why it waits
 * @param iteration the node's iteration the pause belongs to (a loop that runs the node again asks again)
 * @param stepSeq the {@code seq} of the step record whose output awaits approval ({@link PauseKind#AFTER_STEP} and
 *     {@link PauseKind#TOOL}), 0 for {@link PauseKind#BEFORE_NODE}
 * @param reason machine-readable reason ({@code approval_required}, {@code tool_approval}, {@code uncertainty},
 *     {@code cost}, or the reason of the step's escalation)
 * @param context JSON document shown to the approver: node, reason, detail, output or tool call
 * @param approvers who may decide (informational; any key of the tenant with the right to approve may)
 * @param level 0 for the first approver, 1 once the timeout rule escalated it
 * @param onTimeout what the deadline does
 * @param status open, approved or rejected
 * @param createdAt when the run paused
 * @param expiresAt its deadline, or {@code null} for none
 * @param reviewerId who decided ({@link Decision#TIMEOUT_REVIEWER} for the timeout rule), once decided
 * @param reviewNotes their notes, once decided
 * @param reviewedAt when, once decided
 * @param appliedAt when the resumed run took the decision into its record, or {@code null} while it has not
 */
public record Pause(
        String pauseId,
        String runId,
        String tenantId,
        String nodeId,
        PauseKind kind,
        int iteration,
        long stepSeq,
        String reason,
        String context,
        List<String> approvers,
        int level,
        TimeoutAction onTimeout,
        PauseStatus status,
        Instant createdAt,
        @Nullable Instant expiresAt,
        @Nullable String reviewerId,
        @Nullable String reviewNotes,
        @Nullable Instant reviewedAt,
        @Nullable Instant appliedAt) {

    /** Copies the list. */
    public Pause {
        approvers = List.copyOf(approvers);
    }

    /** True while it waits for a decision. */
    public boolean isOpen() {
        return status == PauseStatus.OPEN;
    }

    /** True when it was decided but its run has not acted on the decision yet (the run must be resumed). */
    public boolean isDecidedUnapplied() {
        return !isOpen() && appliedAt == null;
    }

    /** True when its deadline has passed at {@code now}. */
    public boolean isExpired(Instant now) {
        Instant deadline = expiresAt;
        return deadline != null && !now.isBefore(deadline);
    }

    /** This pause with a decision taken. */
    public Pause decided(Decision decision, Instant at) {
        return new Pause(
                pauseId,
                runId,
                tenantId,
                nodeId,
                kind,
                iteration,
                stepSeq,
                reason,
                context,
                approvers,
                level,
                onTimeout,
                decision.status(),
                createdAt,
                expiresAt,
                decision.reviewerId(),
                decision.notes(),
                at,
                null);
    }

    /** This pause handed to the next approvers with a new deadline. */
    public Pause escalated(List<String> nextApprovers, @Nullable Instant newDeadline) {
        return new Pause(
                pauseId,
                runId,
                tenantId,
                nodeId,
                kind,
                iteration,
                stepSeq,
                reason,
                context,
                nextApprovers,
                level + 1,
                TimeoutAction.REJECT,
                status,
                createdAt,
                newDeadline,
                reviewerId,
                reviewNotes,
                reviewedAt,
                appliedAt);
    }

    /** This pause marked as taken into the run's record. */
    public Pause applied(Instant at) {
        return new Pause(
                pauseId,
                runId,
                tenantId,
                nodeId,
                kind,
                iteration,
                stepSeq,
                reason,
                context,
                approvers,
                level,
                onTimeout,
                status,
                createdAt,
                expiresAt,
                reviewerId,
                reviewNotes,
                reviewedAt,
                at);
    }
}
