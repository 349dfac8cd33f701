package io.meshflow.workflow.yaml;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A YAML mapping with typed getters that never throw: a missing or mistyped value is recorded as a problem naming the
 * file, the line and the context ({@code agent 'writer': temperature must be a number, got a list}), and the getter
 * returns {@code null} so that reading goes on and every problem is found in one pass.
 */
final class YamlMap {
    private final String source;
    private final Problems problems;
    private final MappingNode node;
    private final String context;
    private final Map<String, NodeTuple> entries;

    private YamlMap(
            String source, Problems problems, MappingNode node, String context, Map<String, NodeTuple> entries) {
        this.source = source;
        this.problems = problems;
        this.node = node;
        this.context = context;
        this.entries = entries;
    }

    /**
     * Views a node as a mapping; records a problem and returns null when it is not one (or has keys that are not
     * plain scalars). Duplicate keys are reported.
     *
     * @param context what the mapping is, for messages ({@code policy}, {@code node 'generate'}); empty at top level
     */
    static @Nullable YamlMap of(Node node, String context, String source, Problems problems) {
        String what = context.isEmpty() ? "the file" : context;
        if (!(node instanceof MappingNode mapping)) {
            problems.at(source, node, what + " must be a mapping of keys to values, got " + YamlTree.describe(node));
            return null;
        }
        Map<String, NodeTuple> entries = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode key) || YamlTree.isNull(keyNode)) {
                problems.at(source, keyNode, prefix(context, "keys must be plain names, got " + describeKey(keyNode)));
                continue;
            }
            NodeTuple first = entries.putIfAbsent(key.getValue(), tuple);
            if (first != null) {
                problems.at(
                        source,
                        keyNode,
                        prefix(
                                context,
                                "duplicate key '" + key.getValue() + "' (first given on line "
                                        + Problems.line(first.getKeyNode()) + ")"));
            }
        }
        return new YamlMap(source, problems, mapping, context, entries);
    }

    private static String describeKey(Node key) {
        return YamlTree.isNull(key) ? "an empty key" : YamlTree.describe(key);
    }

    /** The same mapping, described differently in messages. */
    YamlMap in(String newContext) {
        return new YamlMap(source, problems, node, newContext, entries);
    }

    /** How messages about this mapping start, such as {@code agent 'writer'}. */
    String context() {
        return context;
    }

    String source() {
        return source;
    }

    Problems problems() {
        return problems;
    }

    /** The line on which the mapping starts. */
    int line() {
        return Problems.line(node);
    }

    /** The mapping's own node. */
    MappingNode node() {
        return node;
    }

    /** The keys, in the order written. */
    Set<String> keys() {
        return entries.keySet();
    }

    /** True when the key is present with a non-empty value. */
    boolean has(String key) {
        return value(key) != null;
    }

    /** The value of a key, or null when absent or empty ({@code key:}, {@code key: ~}). */
    @Nullable
    Node value(String key) {
        NodeTuple tuple = entries.get(key);
        if (tuple == null || YamlTree.isNull(tuple.getValueNode())) {
            return null;
        }
        return tuple.getValueNode();
    }

    /** The line of a key, or of the mapping when the key is absent. */
    int lineOf(String key) {
        NodeTuple tuple = entries.get(key);
        return tuple == null ? line() : Problems.line(tuple.getKeyNode());
    }

    /** Every key that is present with its value, in order. */
    Map<String, Node> values() {
        Map<String, Node> values = new LinkedHashMap<>();
        entries.forEach((key, tuple) -> values.put(key, tuple.getValueNode()));
        return values;
    }

    /** Records a problem at the start of the mapping. */
    void report(String message) {
        problems.at(source, line(), prefix(context, message));
    }

    /** Records a problem at a node. */
    void report(Node at, String message) {
        problems.at(source, at, prefix(context, message));
    }

    /** Records a problem at a line. */
    void report(int line, String message) {
        problems.at(source, line, prefix(context, message));
    }

    /** Reports each key that is not one of {@code allowed}, with a suggestion when it looks like a typo. */
    void allowOnly(Collection<String> allowed) {
        entries.forEach((key, tuple) -> {
            if (!allowed.contains(key)) {
                problems.at(
                        source,
                        tuple.getKeyNode(),
                        prefix(
                                context,
                                "unknown key '" + key + "'" + Spelling.didYouMean(key, allowed) + "; allowed keys: "
                                        + String.join(", ", allowed)));
            }
        });
    }

    /** A scalar's text, or null (with a problem) for lists and mappings. */
    @Nullable
    String string(String key) {
        Node value = value(key);
        if (value == null) {
            return null;
        }
        if (!(value instanceof ScalarNode scalar)) {
            report(value, key + " must be text, got " + YamlTree.describe(value));
            return null;
        }
        return scalar.getValue();
    }

    /** A scalar's text, or {@code defaultValue} when absent. */
    String string(String key, String defaultValue) {
        String value = string(key);
        return value == null ? defaultValue : value;
    }

    /** A required scalar's text; records "missing key" and returns null when absent or empty. */
    @Nullable
    String requiredString(String key, String hint) {
        if (value(key) == null) {
            String problem =
                    entries.containsKey(key) ? "'" + key + "' must not be empty" : "missing required key '" + key + "'";
            report(lineOf(key), problem + (hint.isEmpty() ? "" : " (" + hint + ")"));
            return null;
        }
        return string(key);
    }

    /** An integer within {@code min..max}, or null (with a problem) when it is of another type or out of range. */
    @Nullable
    Long integer(String key, long min, long max) {
        Node value = value(key);
        if (value == null) {
            return null;
        }
        if (!(value instanceof ScalarNode scalar) || !scalar.getTag().equals(Tag.INT)) {
            report(value, key + " must be an integer, got " + YamlTree.describe(value));
            return null;
        }
        long number;
        try {
            number = YamlTree.parseInteger(scalar.getValue());
        } catch (NumberFormatException e) {
            report(value, key + " must be a decimal integer, got '" + scalar.getValue() + "'");
            return null;
        }
        if (number < min) {
            report(value, key + " must be at least " + min + ", got " + number);
            return null;
        }
        if (number > max) {
            report(value, key + " must be at most " + max + ", got " + number);
            return null;
        }
        return number;
    }

    /** A number of at least {@code min}, or null (with a problem). */
    @Nullable
    Double decimal(String key, double min) {
        Node value = value(key);
        if (value == null) {
            return null;
        }
        if (!(value instanceof ScalarNode scalar)
                || !(scalar.getTag().equals(Tag.INT) || scalar.getTag().equals(Tag.FLOAT))) {
            report(value, key + " must be a number, got " + YamlTree.describe(value));
            return null;
        }
        double number;
        try {
            number = Double.parseDouble(scalar.getValue().replace("_", ""));
        } catch (NumberFormatException e) {
            report(value, key + " must be a plain decimal number, got '" + scalar.getValue() + "'");
            return null;
        }
        if (!Double.isFinite(number) || number < min) {
            report(value, key + " must be a finite number of at least " + min + ", got " + scalar.getValue());
            return null;
        }
        return number;
    }

    /** A boolean, or null (with a problem). */
    @Nullable
    Boolean bool(String key) {
        Node value = value(key);
        if (value == null) {
            return null;
        }
        if (!(value instanceof ScalarNode scalar) || !scalar.getTag().equals(Tag.BOOL)) {
            report(value, key + " must be true or false, got " + YamlTree.describe(value));
            return null;
        }
        return YamlTree.parseBoolean(scalar.getValue());
    }

    /** A duration ({@code 30s}, {@code PT30S}, ...), or null (with a problem). */
    @Nullable
    Duration duration(String key) {
        Node value = value(key);
        if (value == null) {
            return null;
        }
        if (!(value instanceof ScalarNode scalar)) {
            report(value, key + " must be a duration such as 30s, got " + YamlTree.describe(value));
            return null;
        }
        try {
            return Durations.parse(scalar.getValue());
        } catch (IllegalArgumentException e) {
            report(value, key + ": " + e.getMessage());
            return null;
        }
    }

    /** The items of a list, or null when absent (or, with a problem, when not a list). */
    @Nullable
    List<Node> list(String key) {
        Node value = value(key);
        if (value == null) {
            return null;
        }
        if (!(value instanceof SequenceNode sequence)) {
            report(value, key + " must be a list (items starting with '- '), got " + YamlTree.describe(value));
            return null;
        }
        return sequence.getValue();
    }

    /** A nested mapping, or null when absent (or, with a problem, when not a mapping). */
    @Nullable
    YamlMap map(String key, String nestedContext) {
        Node value = value(key);
        if (value == null) {
            return null;
        }
        return of(value, nestedContext, source, problems);
    }

    /**
     * One text or a list of texts ({@code to: b} or {@code to: [b, c]}), each with its node for line numbers. Items
     * that are not text are reported and left out.
     */
    List<Located> stringOrList(String key) {
        Node value = value(key);
        List<Located> result = new ArrayList<>();
        if (value == null) {
            return result;
        }
        List<Node> items = value instanceof SequenceNode sequence ? sequence.getValue() : List.of(value);
        for (Node item : items) {
            if (item instanceof ScalarNode scalar && !YamlTree.isNull(item)) {
                result.add(new Located(scalar.getValue(), item));
            } else {
                report(item, key + " must be a node id or a list of node ids, got " + YamlTree.describe(item));
            }
        }
        return result;
    }

    private static String prefix(String context, String message) {
        return context.isEmpty() ? message : context + ": " + message;
    }

    /**
     * A text value and where it was written.
     *
     * @param value the text
     * @param node its YAML node
     */
    record Located(String value, Node node) {
        int line() {
            return Problems.line(node);
        }
    }
}
