package io.meshflow.provider;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits text into word pieces the way sub-word tokenizers roughly do: a word with its leading space is one piece,
 * words longer than {@value #MAX_PIECE} characters are split further, punctuation stands alone. Used by the offline
 * model to stream and count tokens; the concatenated pieces always equal the input.
 */
public final class TokenCounter {
    private static final int MAX_PIECE = 6;

    private TokenCounter() {}

    /** Splits text into pieces whose concatenation is the text. */
    public static List<String> split(String text) {
        List<String> pieces = new ArrayList<>(text.length() / 4 + 1);
        int start = 0;
        int end;
        while ((end = nextPieceEnd(text, start)) > start) {
            pieces.add(text.substring(start, end));
            start = end;
        }
        return pieces;
    }

    /** Where the piece starting at {@code start} ends; {@code start} itself at the end of the text. */
    private static int nextPieceEnd(String text, int start) {
        int n = text.length();
        int i = start;
        while (i < n && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        if (i == n) {
            return n;
        }
        if (!isWordChar(text.charAt(i))) {
            return i + 1;
        }
        int wordStart = i;
        while (i < n && isWordChar(text.charAt(i))) {
            i++;
            if (i - wordStart == MAX_PIECE && i < n && Character.isLetterOrDigit(text.charAt(i))) {
                return i;
            }
        }
        return i;
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    /** The number of pieces {@link #split} would return, without building them. */
    public static int count(String text) {
        int count = 0;
        int start = 0;
        int end;
        while ((end = nextPieceEnd(text, start)) > start) {
            count++;
            start = end;
        }
        return count;
    }

    /** Input tokens of a request: system prompt, messages and a small per-message overhead. */
    public static long count(LlmRequest request) {
        long total = count(request.systemPrompt());
        for (ChatMessage message : request.messages()) {
            total += 4 + count(message.content());
        }
        return total;
    }
}
