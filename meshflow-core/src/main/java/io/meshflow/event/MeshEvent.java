package io.meshflow.event;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Something that happened in a run. A closed set: the server's streams, the TypeScript SDK and the trace viewer depend
 * on these types and their JSON form, so the {@code type} values never change.
 *
 * <p>JSON: an object with a {@code type} discriminator ({@link EventType}), then the common fields {@code seq},
 * {@code run_id}, {@code step_id}, {@code node_id}, {@code tenant_id}, {@code ts} and {@code path}, then the fields
 * of the type, all in snake_case. Run-level events ({@code RUN_*}) have a {@code null} step id and node id.
 *
 * <p>Ordering: {@code seq} increases by one per event of a run. A step's {@link TokenDelta} events come after its
 * {@link StepStart} and before its {@link StepEnd}; events of parallel branches interleave.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = MeshEvent.RunStart.class, name = "RUN_START"),
    @JsonSubTypes.Type(value = MeshEvent.StepStart.class, name = "STEP_START"),
    @JsonSubTypes.Type(value = MeshEvent.TokenDelta.class, name = "TOKEN_DELTA"),
    @JsonSubTypes.Type(value = MeshEvent.ToolCall.class, name = "TOOL_CALL"),
    @JsonSubTypes.Type(value = MeshEvent.ToolResult.class, name = "TOOL_RESULT"),
    @JsonSubTypes.Type(value = MeshEvent.StepEnd.class, name = "STEP_END"),
    @JsonSubTypes.Type(value = MeshEvent.RunPaused.class, name = "RUN_PAUSED"),
    @JsonSubTypes.Type(value = MeshEvent.RunBlocked.class, name = "RUN_BLOCKED"),
    @JsonSubTypes.Type(value = MeshEvent.RunEnd.class, name = "RUN_END"),
    @JsonSubTypes.Type(value = MeshEvent.ErrorEvent.class, name = "ERROR"),
    @JsonSubTypes.Type(value = MeshEvent.MemoryRecalled.class, name = "MEMORY_RECALLED")
})
@JsonPropertyOrder({"type", "seq", "run_id", "step_id", "node_id", "tenant_id", "ts", "path"})
public sealed interface MeshEvent {
    /** Position in the run's event stream, from 1. */
    long seq();

    /** The run. */
    String runId();

    /** The step, or {@code null} for run-level events. */
    @Nullable
    String stepId();

    /** The node (qualified by its sub-workflow path), or {@code null} for run-level events. */
    @Nullable
    String nodeId();

    /** The run's tenant. */
    String tenantId();

    /** When it happened. */
    Instant ts();

    /** Node ids from the top-level workflow down to this node; empty for run-level events. */
    List<String> path();

    /** The event's type; serialised as the {@code type} field. */
    @JsonIgnore
    EventType type();

    /** The run started. */
    record RunStart(
            long seq,
            String runId,
            @Nullable String stepId,
            @Nullable String nodeId,
            String tenantId,
            Instant ts,
            List<String> path,
            String workflow,
            String task)
            implements MeshEvent {
        @Override
        public EventType type() {
            return EventType.RUN_START;
        }
    }

    /** A step started. */
    record StepStart(
            long seq,
            String runId,
            String stepId,
            String nodeId,
            String tenantId,
            Instant ts,
            List<String> path,
            @Nullable String agentId,
            String nodeType,
            String input,
            int iteration)
            implements MeshEvent {
        @Override
        public EventType type() {
            return EventType.STEP_START;
        }
    }

    /** A piece of a model's reply, as it was generated. */
    record TokenDelta(
            long seq,
            String runId,
            String stepId,
            String nodeId,
            String tenantId,
            Instant ts,
            List<String> path,
            String agentId,
            String text)
            implements MeshEvent {
        @Override
        public EventType type() {
            return EventType.TOKEN_DELTA;
        }
    }

    /** A model asked for a tool call. */
    record ToolCall(
            long seq,
            String runId,
            String stepId,
            String nodeId,
            String tenantId,
            Instant ts,
            List<String> path,
            String agentId,
            String toolCallId,
            String toolName,
            JsonNode arguments)
            implements MeshEvent {
        @Override
        public EventType type() {
            return EventType.TOOL_CALL;
        }
    }

    /** A tool call returned. */
    record ToolResult(
            long seq,
            String runId,
            String stepId,
            String nodeId,
            String tenantId,
            Instant ts,
            List<String> path,
            String agentId,
            String toolCallId,
            String toolName,
            String content,
            boolean isError,
            long durationMs)
            implements MeshEvent {
        @Override
        public EventType type() {
            return EventType.TOOL_RESULT;
        }
    }

    /** A step ended with a verdict. */
    record StepEnd(
            long seq,
            String runId,
            String stepId,
            String nodeId,
            String tenantId,
            Instant ts,
            List<String> path,
            @Nullable String agentId,
            String verdict,
            String blockReason,
            String verdictDetail,
            String output,
            boolean outputTruncated,
            long tokensUsed,
            double costUsd,
            long durationMs,
            double uncertainty,
            String uncertaintySource)
            implements MeshEvent {
        @Override
        public EventType type() {
            return EventType.STEP_END;
        }
    }

    /**
     * The run paused for human decisions and released its thread; {@code pause_ids} are the open pauses to approve
     * or reject ({@code POST /runs/{id}/approve}).
     */
    record RunPaused(
            long seq,
            String runId,
            @Nullable String stepId,
            @Nullable String nodeId,
            String tenantId,
            Instant ts,
            List<String> path,
            String reason,
            String detail,
            List<String> pauseIds)
            implements MeshEvent {
        @Override
        public EventType type() {
            return EventType.RUN_PAUSED;
        }
    }

    /** A check blocked the run; the step and node are the ones that were blocked (or {@code null}). */
    record RunBlocked(
            long seq,
            String runId,
            @Nullable String stepId,
            @Nullable String nodeId,
            String tenantId,
            Instant ts,
            List<String> path,
            String reason,
            String detail)
            implements MeshEvent {
        @Override
        public EventType type() {
            return EventType.RUN_BLOCKED;
        }
    }

    /** The run ended; always the last event of a run. */
    record RunEnd(
            long seq,
            String runId,
            @Nullable String stepId,
            @Nullable String nodeId,
            String tenantId,
            Instant ts,
            List<String> path,
            String status,
            @Nullable String output,
            long steps,
            long tokensUsed,
            double costUsd,
            long durationMs,
            @Nullable String error)
            implements MeshEvent {
        @Override
        public EventType type() {
            return EventType.RUN_END;
        }
    }

    /** Something failed: a step threw, a loop hit its cap, a provider call failed. */
    record ErrorEvent(
            long seq,
            String runId,
            @Nullable String stepId,
            @Nullable String nodeId,
            String tenantId,
            Instant ts,
            List<String> path,
            String errorType,
            String message)
            implements MeshEvent {
        @Override
        public EventType type() {
            return EventType.ERROR;
        }
    }

    /**
     * Memories were put into an agent's prompt before its model call; the same text is in the step's recorded input.
     *
     * @param query the text the memories were recalled for (the agent's prompt before the memories were added)
     * @param memories what was recalled, best first
     */
    record MemoryRecalled(
            long seq,
            String runId,
            String stepId,
            String nodeId,
            String tenantId,
            Instant ts,
            List<String> path,
            String agentId,
            String scope,
            String query,
            List<Recalled> memories)
            implements MeshEvent {
        /** Copies the memories. */
        public MemoryRecalled {
            memories = List.copyOf(memories);
        }

        @Override
        public EventType type() {
            return EventType.MEMORY_RECALLED;
        }
    }

    /**
     * One recalled memory of a {@link MemoryRecalled} event.
     *
     * @param id the memory's id in its store
     * @param text its text
     * @param score its similarity to the query
     */
    record Recalled(String id, String text, double score) {}
}
