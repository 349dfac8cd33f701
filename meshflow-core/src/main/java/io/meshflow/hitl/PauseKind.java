package io.meshflow.hitl;

/** Why a node waits for a person. */
public enum PauseKind {
    /** The node has not run: approval lets it run. */
    BEFORE_NODE,
    /** The node's step ran and escalated (or crossed a threshold): approval accepts its recorded output. */
    AFTER_STEP,
    /** The node's agent asked for a gated tool: approval lets exactly that call (name and arguments) run. */
    TOOL
}
