package io.meshflow.memory;

import java.util.Map;

/**
 * A chunk of a document found by a {@link KnowledgeBase}.
 *
 * @param text the chunk's text
 * @param score cosine similarity to the query
 * @param source the document it came from
 * @param start offset of the chunk in the document's text
 * @param end offset just after it
 * @param metadata the document's metadata and the ingest call's
 */
public record RetrievedChunk(
        String text, double score, String source, int start, int end, Map<String, String> metadata) {
    /** Copies the metadata. */
    public RetrievedChunk {
        metadata = Map.copyOf(metadata);
    }

    /** How to cite the chunk: {@code source, chars start-end}. */
    public String citation() {
        return source + ", chars " + start + "-" + end;
    }
}
