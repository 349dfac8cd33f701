package io.meshflow.privacy;

/**
 * One span of PHI found in a text: its type, its offsets in the original text ({@code start} inclusive, {@code end}
 * exclusive) and the detector that found it. It holds no text, so findings can be logged and recorded safely.
 */
public record PhiFinding(PhiType type, int start, int end, String detector) {
    /** Validates the span. */
    public PhiFinding {
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("a finding needs 0 <= start < end, got " + start + ".." + end);
        }
    }

    /** Whether the two spans share at least one character. */
    public boolean overlaps(PhiFinding other) {
        return start < other.end && other.start < end;
    }
}
