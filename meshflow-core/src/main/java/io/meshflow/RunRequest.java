package io.meshflow;

import io.meshflow.event.EventSink;
import io.meshflow.policy.Policy;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Everything one run needs besides the mesh: the workflow, the task, and optional overrides.
 *
 * @param workflow the workflow to run, or {@code null} for the mesh's default workflow
 * @param task the task
 * @param tenantId the tenant, or {@code null} for the mesh's tenant
 * @param policy the policy, or {@code null} for the workflow's (else the mesh's)
 * @param runId the run id to use, or {@code null} to generate one
 * @param sink a consumer of this run's events, called synchronously, or {@code null}
 */
public record RunRequest(
        @Nullable WorkflowDefinition workflow,
        String task,
        @Nullable String tenantId,
        @Nullable Policy policy,
        @Nullable String runId,
        @Nullable EventSink sink) {

    /** A request for the default workflow. */
    public static RunRequest of(String task) {
        return builder(task).build();
    }

    /** A request for the given workflow. */
    public static RunRequest of(WorkflowDefinition workflow, String task) {
        return builder(task).workflow(workflow).build();
    }

    /** Starts a request with the given task. */
    public static Builder builder(String task) {
        return new Builder(task);
    }

    /** Builds a {@link RunRequest}. */
    public static final class Builder {
        private final String task;
        private @Nullable WorkflowDefinition workflow;
        private @Nullable String tenantId;
        private @Nullable Policy policy;
        private @Nullable String runId;
        private @Nullable EventSink sink;

        private Builder(String task) {
            this.task = Objects.requireNonNull(task, "task");
        }

        /** The workflow to run. */
        public Builder workflow(WorkflowDefinition value) {
            this.workflow = value;
            return this;
        }

        /** The tenant the run belongs to. */
        public Builder tenantId(String value) {
            this.tenantId = value;
            return this;
        }

        /** The policy, overriding the workflow's and the mesh's. */
        public Builder policy(Policy value) {
            this.policy = value;
            return this;
        }

        /** The run id to use instead of a generated one. */
        public Builder runId(String value) {
            this.runId = value;
            return this;
        }

        /** A consumer of this run's events. */
        public Builder sink(EventSink value) {
            this.sink = value;
            return this;
        }

        /** Returns the request. */
        public RunRequest build() {
            return new RunRequest(workflow, task, tenantId, policy, runId, sink);
        }
    }
}
