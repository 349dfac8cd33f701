package io.meshflow.memory;

import java.util.List;
import java.util.Map;

/**
 * Vectors with ids and metadata, searchable by cosine similarity. One index is one collection of one tenant; the
 * implementations are {@link InMemoryVectorIndex} and (module {@code meshflow-memory}) {@code PgVectorIndex}.
 * Implementations are thread-safe.
 */
public interface VectorIndex {
    /**
     * Adds a vector, replacing any with the same id.
     *
     * @param metadata string pairs returned with matches and usable in {@link #search} filters
     * @throws io.meshflow.ValidationException when the vector's dimension is not {@link #dimension()} or it holds a
     *     non-finite value
     */
    void add(String id, float[] vector, Map<String, String> metadata);

    /**
     * The {@code k} vectors most similar to {@code query} by cosine, best first, among those whose metadata contains
     * every pair of {@code filter} (an empty filter matches all).
     *
     * @throws io.meshflow.ValidationException when the query's dimension is wrong or {@code k} is negative
     */
    List<VectorMatch> search(float[] query, int k, Map<String, String> filter);

    /** The {@code k} most similar vectors of the whole index; see {@link #search(float[], int, Map)}. */
    default List<VectorMatch> search(float[] query, int k) {
        return search(query, k, Map.of());
    }

    /** Removes a vector; returns whether it was there. */
    boolean delete(String id);

    /** How many vectors the index holds. */
    int size();

    /** The dimension of every vector in the index. */
    int dimension();
}
