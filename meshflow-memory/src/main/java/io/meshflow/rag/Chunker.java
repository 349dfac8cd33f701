package io.meshflow.rag;

import io.meshflow.ValidationException;
import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Splits a document's text into the chunks that are embedded and retrieved. */
@FunctionalInterface
public interface Chunker {
    /** The chunks of a text, in order; none for a blank text. */
    List<Chunk> split(String text);

    /** {@link #fixedSize(int, int) fixedSize(512, 64)}. */
    static Chunker fixedSize() {
        return fixedSize(512, 64);
    }

    /**
     * Windows of {@code size} characters, each starting {@code size - overlap} after the previous one, so that
     * consecutive chunks share {@code overlap} characters; the last one ends at the end of the text.
     *
     * @throws ValidationException unless {@code size > 0} and {@code 0 <= overlap < size}
     */
    static Chunker fixedSize(int size, int overlap) {
        if (size <= 0 || overlap < 0 || overlap >= size) {
            throw new ValidationException("fixedSize chunker needs size > 0 and 0 <= overlap < size, got size " + size
                    + ", overlap " + overlap);
        }
        return text -> {
            List<Chunk> chunks = new ArrayList<>();
            if (text.isBlank()) {
                return chunks;
            }
            for (int start = 0; ; start += size - overlap) {
                int end = Math.min(text.length(), start + size);
                chunks.add(new Chunk(text.substring(start, end), start, end));
                if (end == text.length()) {
                    return chunks;
                }
            }
        };
    }

    /**
     * Whole sentences (found by the JDK's {@link BreakIterator}, which knows abbreviations, quotes and other scripts'
     * punctuation), packed into chunks of at most {@code maxChars}; a sentence longer than that is cut into
     * {@code maxChars} windows. Chunks never start or end with white space.
     *
     * @throws ValidationException unless {@code maxChars > 0}
     */
    static Chunker sentenceBoundary(int maxChars) {
        if (maxChars <= 0) {
            throw new ValidationException("sentenceBoundary chunker needs maxChars > 0, got " + maxChars);
        }
        return text -> {
            List<Chunk> chunks = new ArrayList<>();
            BreakIterator sentences = BreakIterator.getSentenceInstance(Locale.ROOT);
            sentences.setText(text);
            int chunkStart = -1;
            int chunkEnd = -1;
            for (int start = sentences.first(), end = sentences.next();
                    end != BreakIterator.DONE;
                    start = end, end = sentences.next()) {
                int s = start;
                int e = end;
                while (s < e && Character.isWhitespace(text.charAt(s))) s++;
                while (e > s && Character.isWhitespace(text.charAt(e - 1))) e--;
                if (s == e) {
                    continue;
                }
                if (chunkStart >= 0 && e - chunkStart <= maxChars) {
                    chunkEnd = e;
                    continue;
                }
                if (chunkStart >= 0) {
                    chunks.add(new Chunk(text.substring(chunkStart, chunkEnd), chunkStart, chunkEnd));
                    chunkStart = -1;
                }
                if (e - s <= maxChars) {
                    chunkStart = s;
                    chunkEnd = e;
                } else {
                    for (int w = s; w < e; ) {
                        int we = Math.min(e, w + maxChars);
                        int te = we;
                        while (te > w && Character.isWhitespace(text.charAt(te - 1))) te--;
                        chunks.add(new Chunk(text.substring(w, te), w, te));
                        w = we;
                        while (w < e && Character.isWhitespace(text.charAt(w))) w++;
                    }
                }
            }
            if (chunkStart >= 0) {
                chunks.add(new Chunk(text.substring(chunkStart, chunkEnd), chunkStart, chunkEnd));
            }
            return chunks;
        };
    }
}
