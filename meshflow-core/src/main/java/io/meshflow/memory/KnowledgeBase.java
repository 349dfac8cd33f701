package io.meshflow.memory;

import java.util.List;

/**
 * Documents searchable by meaning: what a RAG node retrieves from. Module {@code meshflow-memory}'s
 * {@code DocumentStore} is the implementation; register one with {@code Mesh.builder().knowledgeBase(name, kb)} so
 * that {@code rag} nodes can name it.
 */
public interface KnowledgeBase {
    /**
     * The {@code topK} chunks most relevant to a query, best first.
     *
     * @throws io.meshflow.ValidationException when the query is blank or {@code topK} is negative
     */
    List<RetrievedChunk> retrieve(String query, int topK);
}
