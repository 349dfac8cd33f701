/**
 * Reading a run back from the ledger: the {@link io.meshflow.trace.Trace} that {@code GET /traces/{runId}}, {@code
 * meshflow trace} and the web trace viewer show, and the {@link io.meshflow.trace.RecordedProvider} and {@link
 * io.meshflow.trace.ReplayDiff} of deterministic replay.
 */
@NullMarked
package io.meshflow.trace;

import org.jspecify.annotations.NullMarked;
