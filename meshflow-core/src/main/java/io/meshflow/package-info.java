/** MeshFlow's public entry point: {@link io.meshflow.Mesh}. */
@NullMarked
package io.meshflow;

import org.jspecify.annotations.NullMarked;
