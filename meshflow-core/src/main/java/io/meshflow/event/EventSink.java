package io.meshflow.event;

/**
 * Receives a run's events synchronously, on the thread that produced them. Must be thread-safe (parallel branches
 * call it at once) and quick; a sink that throws is logged and ignored, never allowed to break the run. For a
 * buffered, pull-style consumer use {@link io.meshflow.RunHandle}.
 */
@FunctionalInterface
public interface EventSink {
    /** Takes one event. */
    void onEvent(MeshEvent event);
}
