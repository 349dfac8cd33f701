package io.meshflow.rag;

/**
 * A piece of a document's text.
 *
 * @param text the piece
 * @param start offset of its first character in the document's text
 * @param end offset just after its last character ({@code text.equals(document.substring(start, end))})
 */
public record Chunk(String text, int start, int end) {}
