/** The in-process MiniLM embedding model: {@link io.meshflow.memory.minilm.MiniLmEmbeddings}. */
@NullMarked
package io.meshflow.memory.minilm;

import org.jspecify.annotations.NullMarked;
