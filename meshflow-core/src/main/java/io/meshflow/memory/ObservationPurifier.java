package io.meshflow.memory;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Cleans an observation before it is remembered: what every reply says (greetings, "let me know if...", a
 * {@code CONFIDENCE:} line) carries no memory and would make unrelated memories look alike.
 */
@FunctionalInterface
public interface ObservationPurifier {
    /** The text to remember, or an empty string when nothing is worth remembering. */
    String purify(String observation);

    /**
     * The standard purifier: drops {@code CONFIDENCE:} lines, opening pleasantries ("Sure!", "Certainly.", "Here is
     * the summary:"), closing offers ("Let me know if...", "I hope this helps"), repeated lines and blank lines, and
     * collapses runs of spaces.
     */
    static ObservationPurifier standard() {
        return Standard.INSTANCE;
    }

    /** The standard purifier's implementation. */
    final class Standard implements ObservationPurifier {
        static final Standard INSTANCE = new Standard();
        private static final Pattern CONFIDENCE = Pattern.compile("(?i)^\\s*confidence\\s*:\\s*[0-9.]+\\s*$");
        private static final Pattern OPENING =
                Pattern.compile("(?i)^(sure|certainly|of course|absolutely|great question|okay|ok)[!.,]*\\s*"
                        + "|^here(?:'s| is| are)\\b[^:\\n]{0,60}:\\s*");
        private static final Pattern CLOSING = Pattern.compile(
                "(?i)^(let me know if|i hope this helps|feel free to|hope this helps|is there anything else).*$");

        private Standard() {}

        @Override
        public String purify(String observation) {
            Set<String> seen = new LinkedHashSet<>();
            StringBuilder out = new StringBuilder();
            for (String raw : observation.lines().toList()) {
                String line = raw.strip().replaceAll("[ \\t]{2,}", " ");
                if (line.isEmpty()
                        || CONFIDENCE.matcher(line).matches()
                        || CLOSING.matcher(line).matches()) {
                    continue;
                }
                if (out.isEmpty()) {
                    line = OPENING.matcher(line).replaceFirst("").strip();
                    if (line.isEmpty()) {
                        continue;
                    }
                }
                if (!seen.add(line.toLowerCase(Locale.ROOT))) {
                    continue;
                }
                if (!out.isEmpty()) {
                    out.append('\n');
                }
                out.append(line);
            }
            return out.toString();
        }
    }
}
