package io.meshflow.privacy;

import java.util.List;

/**
 * Finds PHI of some kind in a text. The built-in detectors are patterns with context; a model-based recogniser (for
 * names without a title or label, say) plugs in through {@link PhiScrubber.Builder#detector(PhiDetector)}.
 * Implementations must be thread-safe.
 */
@FunctionalInterface
public interface PhiDetector {
    /** The spans of PHI in the text, in any order; overlapping spans are allowed (the scrubber merges them). */
    List<PhiFinding> find(String text);
}
