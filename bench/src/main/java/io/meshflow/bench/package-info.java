/** Engine benchmarks (JMH) and the concurrent-runs load test; built only with the {@code bench} profile. */
@NullMarked
package io.meshflow.bench;

import org.jspecify.annotations.NullMarked;
