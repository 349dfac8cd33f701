package io.meshflow.workflow.yaml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads YAML text into SnakeYAML's node tree, which keeps the line of every value. Only composes nodes: no Java object
 * is ever constructed from the document, whatever tags it carries.
 */
final class YamlTree {
    private static final int MAX_DEPTH = 64;
    private static final int MAX_VALUES = 100_000;

    private YamlTree() {}

    /** Parses one document; records a syntax error and returns null when the text is not valid YAML. */
    static @Nullable Node parse(String text, String source, Problems problems) {
        LoaderOptions options = new LoaderOptions();
        options.setMergeOnCompose(true);
        options.setAllowRecursiveKeys(false);
        options.setCodePointLimit((int) WorkflowLoader.MAX_FILE_BYTES * 2);
        options.setMaxAliasesForCollections(50);
        options.setNestingDepthLimit(MAX_DEPTH);
        try {
            Composer composer = new Composer(new ParserImpl(new StreamReader(text), options), new Resolver(), options);
            return composer.getSingleNode();
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getProblem() == null ? "malformed YAML" : e.getProblem();
            String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
            if (mark == null) {
                problems.file(source, "YAML syntax error: " + problem + context);
            } else {
                problems.at(
                        source,
                        mark.getLine() + 1,
                        "YAML syntax error at column " + (mark.getColumn() + 1) + ": " + problem + context);
            }
        } catch (YAMLException e) {
            problems.file(source, "YAML error: " + e.getMessage());
        }
        return null;
    }

    /** True for an empty value ({@code key:} or {@code key: ~}). */
    static boolean isNull(Node node) {
        return node instanceof ScalarNode && node.getTag().equals(Tag.NULL);
    }

    /** Describes a value for an error message: {@code the string "many"}, {@code a list}. */
    static String describe(Node node) {
        if (node instanceof SequenceNode) {
            return "a list";
        }
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        ScalarNode scalar = (ScalarNode) node;
        Tag tag = scalar.getTag();
        String value = abbreviate(scalar.getValue());
        if (tag.equals(Tag.NULL)) {
            return "nothing";
        }
        if (tag.equals(Tag.STR)) {
            return "the string \"" + value + "\"";
        }
        if (tag.equals(Tag.INT)) {
            return "the integer " + value;
        }
        if (tag.equals(Tag.FLOAT)) {
            return "the number " + value;
        }
        if (tag.equals(Tag.BOOL)) {
            return "the boolean " + value;
        }
        return "'" + value + "'";
    }

    private static String abbreviate(String text) {
        String oneLine = text.replace("\n", "\\n");
        return oneLine.length() <= 40 ? oneLine : oneLine.substring(0, 37) + "...";
    }

    /** Parses an integer scalar (decimal, {@code 1_000}, {@code 0x1F}); throws NumberFormatException otherwise. */
    static long parseInteger(String raw) {
        String text = raw.replace("_", "");
        if (text.startsWith("0x") || text.startsWith("0X")) {
            return Long.parseLong(text.substring(2), 16);
        }
        if (text.startsWith("+")) {
            text = text.substring(1);
        }
        return Long.parseLong(text);
    }

    /** Parses a boolean scalar as YAML resolved it ({@code true}, {@code yes}, {@code on}, ...). */
    static boolean parseBoolean(String raw) {
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "y" -> true;
            default -> false;
        };
    }

    /**
     * Converts a value to plain Java (String, Integer, Long, Double, Boolean, List, Map) for settings handed to
     * extensions. Null values are left out of mappings and lists.
     *
     * @throws IllegalArgumentException when the value is nested too deeply or, with its aliases expanded, has more
     *     than {@value #MAX_VALUES} values (a YAML "billion laughs")
     */
    static @Nullable Object toJava(Node node) {
        return toJava(node, 0, new int[] {0});
    }

    private static @Nullable Object toJava(Node node, int depth, int[] count) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("the value is nested more than " + MAX_DEPTH + " levels deep");
        }
        if (++count[0] > MAX_VALUES) {
            throw new IllegalArgumentException(
                    "the value has more than " + MAX_VALUES + " parts once its aliases are expanded");
        }
        if (node instanceof SequenceNode sequence) {
            List<Object> list = new ArrayList<>();
            for (Node item : sequence.getValue()) {
                Object value = toJava(item, depth + 1, count);
                if (value != null) {
                    list.add(value);
                }
            }
            return List.copyOf(list);
        }
        if (node instanceof MappingNode mapping) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (NodeTuple tuple : mapping.getValue()) {
                Object value = toJava(tuple.getValueNode(), depth + 1, count);
                if (value != null && tuple.getKeyNode() instanceof ScalarNode key) {
                    map.put(key.getValue(), value);
                }
            }
            return java.util.Collections.unmodifiableMap(map);
        }
        ScalarNode scalar = (ScalarNode) node;
        Tag tag = scalar.getTag();
        String raw = scalar.getValue();
        if (tag.equals(Tag.NULL)) {
            return null;
        }
        try {
            if (tag.equals(Tag.INT)) {
                long value = parseInteger(raw);
                return value == (int) value ? (Object) (int) value : (Object) value;
            }
            if (tag.equals(Tag.FLOAT)) {
                return Double.parseDouble(raw.replace("_", ""));
            }
        } catch (NumberFormatException e) {
            return raw;
        }
        if (tag.equals(Tag.BOOL)) {
            return parseBoolean(raw);
        }
        return raw;
    }
}
