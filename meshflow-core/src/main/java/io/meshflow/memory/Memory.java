package io.meshflow.memory;

import java.time.Instant;

/**
 * One remembered observation.
 *
 * @param id its id in the store
 * @param text the (purified) text
 * @param createdAt when it was added (or last merged with a near-duplicate)
 * @param score similarity to the query it was recalled for (cosine, or keyword overlap in keyword mode); 0 when listed
 */
public record Memory(String id, String text, Instant createdAt, double score) {
    /** This memory with the score of a query. */
    public Memory withScore(double value) {
        return new Memory(id, text, createdAt, value);
    }
}
