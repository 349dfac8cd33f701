package io.meshflow.server;

import org.jspecify.annotations.Nullable;

/**
 * The JSON body of {@code POST /runs} and {@code POST /stream}; unknown fields are refused.
 *
 * @param workflow the name of a served workflow, or {@code null}
 * @param definition an inline workflow definition (YAML or JSON text, admin keys only), or {@code null}
 * @param task the task; may be left out when the workflow has a default task
 * @param policy limits overriding the workflow's policy, or {@code null}
 * @param detach for {@code POST /stream}: keep the run going when the client disconnects
 */
record RunStartRequest(
        @Nullable String workflow,
        @Nullable String definition,
        @Nullable String task,
        @Nullable PolicyOverride policy,
        @Nullable Boolean detach) {

    /**
     * Policy limits given in a request.
     *
     * @param mode a preset ({@code dev}, {@code standard}, {@code strict}) to start from instead of the workflow's
     * @param maxSteps the most steps
     * @param maxTokens the most tokens (0: no cap)
     * @param maxCostUsd the highest cost (0: no cap)
     * @param stepTimeoutMs the longest step, in milliseconds (0: no limit)
     * @param runTimeoutMs the longest run, in milliseconds (0: no limit)
     */
    record PolicyOverride(
            @Nullable String mode,
            @Nullable Integer maxSteps,
            @Nullable Long maxTokens,
            @Nullable Double maxCostUsd,
            @Nullable Long stepTimeoutMs,
            @Nullable Long runTimeoutMs) {}
}
