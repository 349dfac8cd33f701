package io.meshflow.event;

/** The {@code type} discriminator of {@link MeshEvent}; these names are part of MeshFlow's wire format. */
public enum EventType {
    /** {@link MeshEvent.RunStart}. */
    RUN_START,
    /** {@link MeshEvent.StepStart}. */
    STEP_START,
    /** {@link MeshEvent.TokenDelta}. */
    TOKEN_DELTA,
    /** {@link MeshEvent.ToolCall}. */
    TOOL_CALL,
    /** {@link MeshEvent.ToolResult}. */
    TOOL_RESULT,
    /** {@link MeshEvent.StepEnd}. */
    STEP_END,
    /** {@link MeshEvent.RunPaused}. */
    RUN_PAUSED,
    /** {@link MeshEvent.RunBlocked}. */
    RUN_BLOCKED,
    /** {@link MeshEvent.RunEnd}. */
    RUN_END,
    /** {@link MeshEvent.ErrorEvent}. */
    ERROR,
    /** {@link MeshEvent.MemoryRecalled}. */
    MEMORY_RECALLED
}
