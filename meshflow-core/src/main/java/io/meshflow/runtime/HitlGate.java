package io.meshflow.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshflow.hitl.Decision;
import io.meshflow.hitl.HumanInLoopConfig;
import io.meshflow.hitl.Pause;
import io.meshflow.hitl.PauseKind;
import io.meshflow.hitl.PauseStatus;
import io.meshflow.hitl.Webhook;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.ToolCallRecord;
import io.meshflow.ledger.UncertaintySource;
import io.meshflow.policy.Verdict;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The human-in-the-loop rules of one run: whether a node must wait, the pauses it opens, and the records that put a
 * pause and its decision into the run's hash-chained ledger.
 */
final class HitlGate {
    /** The agent id of the records the engine writes when a node waits before it runs. */
    static final String PAUSE_AGENT = "meshflow:hitl";

    private final RunContext run;
    private final HumanInLoopConfig config;

    HitlGate(RunContext run) {
        this.run = run;
        this.config = run.policy.humanInLoop();
    }

    /** True when the node must wait for approval before this iteration runs (and none was given yet). */
    boolean mustAskBefore(String nodeId, String qualifiedId, int iteration) {
        if (!config.beforeNodes().contains(nodeId)) {
            return false;
        }
        return !approved(qualifiedId, iteration, PauseKind.BEFORE_NODE, null, null);
    }

    /** True when a person approved this exact tool call for the node's iteration. */
    boolean toolApproved(String qualifiedId, int iteration, String tool, String arguments) {
        return approved(qualifiedId, iteration, PauseKind.TOOL, tool, arguments);
    }

    private boolean approved(
            String qualifiedId, int iteration, PauseKind kind, @Nullable String tool, @Nullable String arguments) {
        for (Pause p : run.knownPauses()) {
            if (p.status() == PauseStatus.APPROVED
                    && p.kind() == kind
                    && p.nodeId().equals(qualifiedId)
                    && p.iteration() == iteration
                    && (tool == null || matchesTool(p, tool, arguments))) {
                return true;
            }
        }
        return false;
    }

    private static boolean matchesTool(Pause p, String tool, @Nullable String arguments) {
        var call = MeshJson.parse(p.context()).path("tool");
        return tool.equals(call.path("name").asText())
                && arguments != null
                && MeshJson.parse(arguments).equals(call.path("arguments"));
    }

    /** The verdict that makes a committed step wait for a person, or {@code null} when none applies. */
    @Nullable
    Verdict afterStep(String nodeId, double uncertainty, UncertaintySource source, double costUsd) {
        if (config.afterNodes().contains(nodeId)) {
            return Verdict.escalate("approval_required", "the output of node '" + nodeId + "' waits for approval");
        }
        String crossed =
                config.thresholdCrossed(source == UncertaintySource.UNKNOWN ? Double.NaN : uncertainty, costUsd);
        if ("uncertainty".equals(crossed)) {
            return Verdict.escalate(
                    "uncertainty",
                    String.format(
                            Locale.ROOT, "uncertainty %.2f is above %.2f", uncertainty, config.uncertaintyAbove()));
        }
        if ("cost".equals(crossed)) {
            return Verdict.escalate(
                    "cost", String.format(Locale.ROOT, "step cost $%.6f, above $%.6f", costUsd, config.costAbove()));
        }
        return null;
    }

    /** Opens the pause of a node that waits before it runs. */
    Pause openBefore(String qualifiedId, int iteration, String input) {
        ObjectNode context = context(
                qualifiedId,
                PauseKind.BEFORE_NODE,
                iteration,
                "approval_required",
                "node '" + qualifiedId + "' waits for approval before it runs");
        context.put("input", input);
        return open(qualifiedId, PauseKind.BEFORE_NODE, iteration, 0, "approval_required", context);
    }

    /** Opens the pause of a step that escalated (or asked for a gated tool). */
    Pause openAfter(StepRecord step, long seq, int iteration, Verdict.Escalate verdict) {
        boolean tool = verdict.reason().equals("tool_approval");
        PauseKind kind = tool ? PauseKind.TOOL : PauseKind.AFTER_STEP;
        ObjectNode context = context(step.nodeId(), kind, iteration, verdict.reason(), verdict.detail());
        context.put("step_id", step.stepId());
        context.put("agent_id", step.agentId());
        if (tool && !step.toolCalls().isEmpty()) {
            ToolCallRecord call = step.toolCalls().get(step.toolCalls().size() - 1);
            ObjectNode t = context.putObject("tool");
            t.put("name", call.toolName());
            t.set("arguments", MeshJson.parse(call.arguments()));
        } else {
            context.put("output", step.outputContent());
        }
        return open(step.nodeId(), kind, iteration, seq, verdict.reason(), context);
    }

    private ObjectNode context(String nodeId, PauseKind kind, int iteration, String reason, String detail) {
        ObjectNode context = MeshJson.mapper().createObjectNode();
        context.put("workflow", run.workflowName);
        context.put("node_id", nodeId);
        context.put("kind", kind.name().toLowerCase(Locale.ROOT));
        context.put("iteration", iteration);
        context.put("reason", reason);
        context.put("detail", detail);
        return context;
    }

    private Pause open(String nodeId, PauseKind kind, int iteration, long seq, String reason, ObjectNode context) {
        Instant now = run.clock.instant();
        Instant expires = config.timeout().isZero() ? null : now.plus(config.timeout());
        String text = MeshJson.write(context);
        Pause pause = new Pause(
                Ids.timeOrdered(),
                run.runId,
                run.tenantId,
                nodeId,
                kind,
                iteration,
                seq,
                reason,
                java.util.Objects.requireNonNullElse(run.stored(text), text),
                config.approvers(),
                0,
                config.onTimeout(),
                PauseStatus.OPEN,
                now,
                expires,
                null,
                null,
                null,
                null);
        // the pause refers to the run's row, which an asynchronous run may not have written yet
        run.ensureStarted();
        run.pauses.openPause(pause);
        run.notePause(pause);
        return pause;
    }

    /** Tells the approvers, once the pause's record is committed. */
    void announce(Pause pause) {
        Webhook webhook = config.webhook();
        if (webhook != null && run.notifier != null) {
            run.notifier.notifyAsync(pause, webhook);
        }
    }

    /** The record of a node waiting before it runs: it carries the checkpoint that says the run waits. */
    StepRecord pauseRecord(Pause pause, long seq, String input) {
        return new StepRecord(
                run.runId,
                run.runId + ".pause-" + pause.pauseId(),
                seq,
                run.tenantId,
                pause.nodeId(),
                PAUSE_AGENT,
                input,
                pause.context(),
                false,
                Verdict.escalate(pause.reason(), "waiting for approval (pause " + pause.pauseId() + ")"),
                Uncertainty.UNKNOWN,
                UncertaintySource.UNKNOWN,
                0,
                0,
                0,
                pause.createdAt(),
                pause.createdAt(),
                List.of());
    }

    /** The id of the record of a pause's decision; a run holds at most one per pause. */
    static String decisionStepId(String runId, String pauseId) {
        return runId + ".decision-" + pauseId;
    }

    /** The record of a decision: who decided, when, what and why, hash-chained with the run's other records. */
    StepRecord decisionRecord(Pause pause, long seq) {
        String reviewer = java.util.Objects.requireNonNullElse(pause.reviewerId(), "unknown");
        String notes = java.util.Objects.requireNonNullElse(pause.reviewNotes(), "");
        Instant at = java.util.Objects.requireNonNullElse(pause.reviewedAt(), run.clock.instant());
        boolean approved = pause.status() == PauseStatus.APPROVED;
        ObjectNode decision = MeshJson.mapper().createObjectNode();
        decision.put("pause_id", pause.pauseId());
        decision.put("decision", approved ? "approved" : "rejected");
        decision.put("reviewer_id", reviewer);
        decision.put("review_notes", notes);
        decision.put("review_timestamp", at.toString());
        decision.put("decided_by", reviewer.equals(Decision.TIMEOUT_REVIEWER) ? "timeout" : "reviewer");
        decision.put("level", pause.level());
        Verdict verdict = approved
                ? Verdict.COMMIT
                : Verdict.blocked("rejected", "rejected by " + reviewer + (notes.isEmpty() ? "" : ": " + notes));
        return new StepRecord(
                run.runId,
                decisionStepId(run.runId, pause.pauseId()),
                seq,
                run.tenantId,
                pause.nodeId(),
                "reviewer:" + reviewer,
                pause.context(),
                MeshJson.write(decision),
                false,
                verdict,
                Uncertainty.UNKNOWN,
                UncertaintySource.UNKNOWN,
                0,
                0,
                0,
                pause.createdAt(),
                at,
                List.of());
    }
}
