/**
 * Semantic memory: the {@link io.meshflow.memory.EmbeddingProvider} and {@link io.meshflow.memory.VectorIndex} SPIs,
 * the zero-dependency {@link io.meshflow.memory.TfIdfEmbeddings} and {@link io.meshflow.memory.InMemoryVectorIndex},
 * and the agents' {@link io.meshflow.memory.MemoryStore}. Module {@code meshflow-memory} adds documents and RAG,
 * pgvector and remote embeddings; module {@code meshflow-embeddings-minilm} an in-process neural model.
 */
@NullMarked
package io.meshflow.memory;

import org.jspecify.annotations.NullMarked;
