package io.meshflow.rag;

import java.util.Map;

/**
 * A text to ingest, with where it came from.
 *
 * @param source a name for citations, such as a file path or URL
 * @param text the document's text
 * @param metadata pairs stored with every chunk (usable in retrieval filters)
 */
public record Document(String source, String text, Map<String, String> metadata) {
    /** Copies the metadata. */
    public Document {
        metadata = Map.copyOf(metadata);
    }

    /** A document with no metadata. */
    public static Document of(String source, String text) {
        return new Document(source, text, Map.of());
    }
}
