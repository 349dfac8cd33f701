package io.meshflow.memory;

import java.util.Map;

/**
 * A search result of a {@link VectorIndex}.
 *
 * @param id the vector's id
 * @param score cosine similarity to the query, from -1 to 1
 * @param metadata the metadata stored with the vector
 */
public record VectorMatch(String id, double score, Map<String, String> metadata) {
    /** Copies the metadata. */
    public VectorMatch {
        metadata = Map.copyOf(metadata);
    }
}
