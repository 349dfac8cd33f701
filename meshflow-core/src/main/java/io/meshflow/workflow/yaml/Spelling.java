package io.meshflow.workflow.yaml;

import java.util.Collection;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Suggestions for misspelt names: "did you mean ...". */
final class Spelling {
    private Spelling() {}

    /** The known name closest to {@code name}, if it is close enough to be a likely typo. */
    static @Nullable String closest(String name, Collection<String> known) {
        String snake = toSnakeCase(name);
        if (!snake.equals(name) && known.contains(snake)) {
            return snake;
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int distance = distance(name.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        int allowed = Math.max(1, Math.min(3, name.length() / 3));
        // a name of one or two letters is as close to any other: suggest nothing rather than noise
        return bestDistance <= allowed && bestDistance * 2 < name.length() ? best : null;
    }

    /** " (did you mean 'x'?)" or the empty string. */
    static String didYouMean(String name, Collection<String> known) {
        String best = closest(name, known);
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    private static String toSnakeCase(String name) {
        StringBuilder out = new StringBuilder(name.length() + 4);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c)) {
                if (i > 0) {
                    out.append('_');
                }
                out.append(Character.toLowerCase(c));
            } else if (c == '-') {
                out.append('_');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int best = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    best = Math.min(best, d[i - 2][j - 2] + 1);
                }
                d[i][j] = best;
            }
        }
        return d[a.length()][b.length()];
    }
}
