package io.meshflow.privacy;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A scrubbed text and what was redacted from it.
 *
 * @param text the text with every finding replaced by its type's marker ({@link PhiType#marker()})
 * @param findings the redacted spans, in order, with offsets into the original text and no overlaps
 */
public record ScrubResult(String text, List<PhiFinding> findings) {
    /** Copies the findings. */
    public ScrubResult {
        findings = List.copyOf(findings);
    }

    /** Whether anything was redacted. */
    public boolean redacted() {
        return !findings.isEmpty();
    }

    /** How many spans of each type were redacted (types with none are absent). */
    public Map<PhiType, Integer> counts() {
        Map<PhiType, Integer> counts = new EnumMap<>(PhiType.class);
        for (PhiFinding f : findings) {
            counts.merge(f.type(), 1, Integer::sum);
        }
        return counts;
    }
}
