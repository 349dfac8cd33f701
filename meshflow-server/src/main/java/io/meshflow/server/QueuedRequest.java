package io.meshflow.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.meshflow.json.MeshJson;
import org.jspecify.annotations.Nullable;

/**
 * What a replica writes into the run queue for a run a client asked for, so that whichever replica claims the run can
 * start it as asked. The request was checked (workflow served, key allowed to give a definition or loosen no limit)
 * by the replica that queued it.
 *
 * @param task the task
 * @param workflow the served workflow's name, or {@code null} for an inline definition
 * @param definition the inline workflow definition (YAML or JSON text), or {@code null}
 * @param policy the policy limits of the request, or {@code null}
 */
record QueuedRequest(
        String task,
        @Nullable String workflow,
        @Nullable String definition,
        RunStartRequest.@Nullable PolicyOverride policy) {

    /** Queue rows of inline definitions name their workflow with this prefix (any replica can run them). */
    static final String INLINE_PREFIX = "inline:";

    String toJson() {
        try {
            return MeshJson.mapper().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a queued request cannot be written as JSON", e);
        }
    }

    /**
     * Reads a queued request.
     *
     * @throws IllegalArgumentException when the text is not one (a row written by an incompatible version)
     */
    static QueuedRequest fromJson(String json) {
        try {
            return MeshJson.mapper().readValue(json, QueuedRequest.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the queued request is not readable: " + e.getOriginalMessage(), e);
        }
    }
}
