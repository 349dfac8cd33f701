/**
 * The ten built-in tools and their sandbox rules: {@link io.meshflow.tools.builtin.BuiltinTools} builds them (also
 * found by {@link java.util.ServiceLoader} through {@link io.meshflow.tools.builtin.BuiltinToolLibrary}, so agents can
 * name them); everything else here is the implementation.
 */
@NullMarked
package io.meshflow.tools.builtin;

import org.jspecify.annotations.NullMarked;
