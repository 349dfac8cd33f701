/** Voyage AI embeddings over HTTP: {@link io.meshflow.memory.voyage.VoyageEmbeddings}. */
@NullMarked
package io.meshflow.memory.voyage;

import org.jspecify.annotations.NullMarked;
