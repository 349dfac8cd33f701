package io.meshflow.privacy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds PHI of one type with a regular expression: the span is the group named {@code phi} when the pattern has one
 * (so that context such as "DOB:" stays readable), else the whole match; an optional check rejects matches that
 * only look right (an IPv4 octet over 255, say).
 */
final class PatternDetector implements PhiDetector {
    private static final Pattern NAMED_GROUP = Pattern.compile("\\(\\?<phi>");

    private final PhiType type;
    private final String name;
    private final Pattern pattern;
    private final boolean grouped;
    private final Predicate<String> accept;

    PatternDetector(PhiType type, String name, Pattern pattern, Predicate<String> accept) {
        this.type = type;
        this.name = name;
        this.pattern = pattern;
        this.grouped = NAMED_GROUP.matcher(pattern.pattern()).find();
        this.accept = accept;
    }

    PatternDetector(PhiType type, String name, String regex) {
        this(type, name, Pattern.compile(regex), s -> true);
    }

    PhiType type() {
        return type;
    }

    @Override
    public List<PhiFinding> find(String text) {
        List<PhiFinding> found = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            int start = grouped ? m.start("phi") : m.start();
            int end = grouped ? m.end("phi") : m.end();
            if (start >= 0 && end > start && accept.test(text.substring(start, end))) {
                found.add(new PhiFinding(type, start, end, name));
            }
        }
        return found;
    }

    @Override
    public String toString() {
        return name + " (" + type + ")";
    }
}
