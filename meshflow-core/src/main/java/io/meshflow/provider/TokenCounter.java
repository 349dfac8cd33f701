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
        int i = 0;
        int n = text.length();
        while (i < n) {
            int start = i;
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i == n) {
                pieces.add(text.substring(start, n));
                break;
            }
            if (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_') {
                int wordStart = i;
                while (i < n && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
                    i++;
                    if (i - wordStart == MAX_PIECE && i < n && Character.isLetterOrDigit(text.charAt(i))) {
                        pieces.add(text.substring(start, i));
                        start = i;
                        wordStart = i;
                    }
                }
            } else {
                i++;
            }
            pieces.add(text.substring(start, i));
        }
        return pieces;
    }

    /** The number of pieces {@link #split} would return, without building them. */
    public static int count(String text) {
        return split(text).size();
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
