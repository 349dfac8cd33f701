/**
 * Retrieval-augmented generation: {@link io.meshflow.rag.Chunker}s, {@link io.meshflow.rag.Documents} (plain text,
 * Markdown, PDF), the {@link io.meshflow.rag.DocumentStore} and the {@link io.meshflow.rag.RagNode} (YAML
 * {@code type: rag}).
 */
@NullMarked
package io.meshflow.rag;

import org.jspecify.annotations.NullMarked;
