package io.meshflow.runtime;

import io.meshflow.MeshFlowException;
import io.meshflow.ledger.RunStatus;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Why a run stopped before reaching the end of its graph.
 *
 * @param status the run's final status
 * @param reason machine-readable reason ({@code max_steps}, {@code error}, {@code cancelled}, ...)
 * @param detail what happened, for people
 * @param failure the exception behind it, or {@code null}
 * @param stepId the step that caused it, or {@code null}
 * @param nodeId the node that caused it, or {@code null}
 * @param path the node's path, or empty
 */
record RunStop(
        RunStatus status,
        String reason,
        String detail,
        @Nullable MeshFlowException failure,
        @Nullable String stepId,
        @Nullable String nodeId,
        List<String> path) {

    /** True when in-flight steps must be interrupted (a pause lets them finish). */
    boolean interruptsSteps() {
        return status != RunStatus.PAUSED;
    }
}
