/** The execution engine: scheduler, step runtime, event bus and tracing. Internal: not part of the public API. */
@NullMarked
package io.meshflow.runtime;

import org.jspecify.annotations.NullMarked;
