package io.meshflow.tool;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * Checks a JSON value against a JSON Schema, for the arguments a model passes to a {@link Tool}.
 *
 * <p>Covers the keywords tool schemas use: {@code type} (one or a list; {@code integer} accepts whole numbers such as
 * {@code 2.0}), OpenAPI's {@code nullable}, {@code enum}, {@code const}, {@code properties}, {@code required},
 * {@code additionalProperties} ({@code false} or a schema), {@code minProperties}/{@code maxProperties},
 * {@code items} (a schema, or a list as in draft 4), {@code prefixItems}, {@code minItems}/{@code maxItems},
 * {@code uniqueItems}, {@code minLength}/{@code maxLength}, {@code pattern}, {@code minimum}/{@code maximum},
 * {@code exclusiveMinimum}/{@code exclusiveMaximum} (numbers, or draft 4's booleans), {@code multipleOf},
 * {@code anyOf}, {@code oneOf}, {@code allOf}, {@code not}, and {@code $ref} to a place in the same document
 * ({@code #}, {@code #/$defs/...}, {@code #/definitions/...}). Boolean schemas are honoured. Other keywords
 * ({@code format}, {@code title}, {@code description}, {@code default}, ...) only annotate and are ignored, as the
 * specification says; a {@code $ref} that cannot be resolved within the document accepts the value (the tool itself
 * is then left to judge it).
 *
 * <p>Problems are reported with the path of the offending value, such as
 * {@code $.items[2].name: expected string, got number 4}; at most {@value #MAX_PROBLEMS} are listed. Stateless and
 * thread-safe.
 */
public final class JsonSchemaValidator {
    /** The most problems one validation reports. */
    public static final int MAX_PROBLEMS = 20;

    private static final int MAX_DEPTH = 64;

    private JsonSchemaValidator() {}

    /**
     * Validates a value.
     *
     * @param schema the JSON Schema (an object or a boolean)
     * @param value the value to check
     * @return every problem found (at most {@value #MAX_PROBLEMS}), each starting with the path of the value it is
     *     about; empty when the value is valid
     */
    public static List<String> validate(JsonNode schema, JsonNode value) {
        List<String> problems = new ArrayList<>();
        check(schema, schema, value, "$", problems, 0);
        return problems.size() > MAX_PROBLEMS ? List.copyOf(problems.subList(0, MAX_PROBLEMS)) : List.copyOf(problems);
    }

    /** True when the value satisfies the schema. */
    public static boolean isValid(JsonNode schema, JsonNode value) {
        return validate(schema, value).isEmpty();
    }

    private static void check(
            JsonNode root, JsonNode schema, JsonNode value, String path, List<String> out, int depth) {
        if (out.size() > MAX_PROBLEMS) {
            return;
        }
        if (depth > MAX_DEPTH) {
            out.add(path + ": the schema nests or refers to itself more than " + MAX_DEPTH + " levels deep");
            return;
        }
        if (schema.isBoolean()) {
            if (!schema.booleanValue()) {
                out.add(path + ": no value is allowed here");
            }
            return;
        }
        if (!schema.isObject()) {
            return;
        }
        JsonNode ref = schema.get("$ref");
        if (ref != null && ref.isTextual()) {
            JsonNode target = resolve(root, ref.textValue());
            if (target != null) {
                check(root, target, value, path, out, depth + 1);
            }
        }
        if (value.isNull() && schema.path("nullable").asBoolean(false)) {
            return;
        }
        if (!checkType(schema, value, path, out)) {
            return;
        }
        checkEnumAndConst(schema, value, path, out);
        if (value.isObject()) {
            checkObject(root, schema, value, path, out, depth);
        } else if (value.isArray()) {
            checkArray(root, schema, value, path, out, depth);
        } else if (value.isTextual()) {
            checkString(schema, value.textValue(), path, out);
        } else if (value.isNumber()) {
            checkNumber(schema, value.decimalValue(), path, out);
        }
        checkCombinators(root, schema, value, path, out, depth);
    }

    private static @Nullable JsonNode resolve(JsonNode root, String ref) {
        if (ref.equals("#")) {
            return root;
        }
        if (!ref.startsWith("#/")) {
            return null;
        }
        JsonNode target = root.at(ref.substring(1));
        return target.isMissingNode() ? null : target;
    }

    /** Checks {@code type}; false when it does not match, so that checks for the type are not attempted. */
    private static boolean checkType(JsonNode schema, JsonNode value, String path, List<String> out) {
        JsonNode type = schema.get("type");
        if (type == null) {
            return true;
        }
        List<String> allowed = new ArrayList<>();
        if (type.isTextual()) {
            allowed.add(type.textValue());
        } else if (type.isArray()) {
            type.forEach(t -> allowed.add(t.asText()));
        } else {
            return true;
        }
        for (String t : allowed) {
            if (hasType(value, t)) {
                return true;
            }
        }
        out.add(path + ": expected " + String.join(" or ", allowed) + ", got " + describe(value));
        return false;
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "null" -> value.isNull();
            case "boolean" -> value.isBoolean();
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "number" -> value.isNumber();
            case "integer" -> value.isIntegralNumber() || (value.isNumber() && isWhole(value.decimalValue()));
            default -> true;
        };
    }

    private static boolean isWhole(BigDecimal number) {
        return number.signum() == 0 || number.stripTrailingZeros().scale() <= 0;
    }

    private static void checkEnumAndConst(JsonNode schema, JsonNode value, String path, List<String> out) {
        JsonNode constant = schema.get("const");
        if (constant != null && !same(constant, value)) {
            out.add(path + ": must be " + constant + ", got " + describe(value));
        }
        JsonNode options = schema.get("enum");
        if (options != null && options.isArray()) {
            for (JsonNode option : options) {
                if (same(option, value)) {
                    return;
                }
            }
            out.add(path + ": must be one of " + options + ", got " + describe(value));
        }
    }

    /** JSON equality, numbers compared by value (1 equals 1.0). */
    private static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!same(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Map.Entry<String, JsonNode> field : a.properties()) {
                JsonNode other = b.get(field.getKey());
                if (other == null || !same(field.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    private static void checkObject(
            JsonNode root, JsonNode schema, JsonNode value, String path, List<String> out, int depth) {
        JsonNode required = schema.get("required");
        if (required != null && required.isArray()) {
            for (JsonNode name : required) {
                if (!value.has(name.asText())) {
                    out.add(path + ": missing required property '" + name.asText() + "'");
                }
            }
        }
        JsonNode properties = schema.path("properties");
        JsonNode additional = schema.get("additionalProperties");
        for (Map.Entry<String, JsonNode> field : value.properties()) {
            String childPath = childPath(path, field.getKey());
            JsonNode propertySchema = properties.get(field.getKey());
            if (propertySchema != null) {
                check(root, propertySchema, field.getValue(), childPath, out, depth + 1);
            } else if (additional != null && additional.isBoolean() && !additional.booleanValue()) {
                List<String> known = new ArrayList<>();
                properties.properties().forEach(p -> known.add(p.getKey()));
                out.add(path + ": unknown property '" + field.getKey() + "'"
                        + (known.isEmpty() ? "; no properties are allowed" : "; allowed: " + String.join(", ", known)));
            } else if (additional != null && additional.isObject()) {
                check(root, additional, field.getValue(), childPath, out, depth + 1);
            }
        }
        int size = value.size();
        JsonNode min = schema.get("minProperties");
        if (min != null && min.isNumber() && size < min.asInt()) {
            out.add(path + ": needs at least " + min.asInt() + " properties, has " + size);
        }
        JsonNode max = schema.get("maxProperties");
        if (max != null && max.isNumber() && size > max.asInt()) {
            out.add(path + ": allows at most " + max.asInt() + " properties, has " + size);
        }
    }

    private static String childPath(String path, String name) {
        return name.matches("[A-Za-z_][A-Za-z0-9_]*")
                ? path + "." + name
                : path + "['" + name.replace("'", "\\'") + "']";
    }

    private static void checkArray(
            JsonNode root, JsonNode schema, JsonNode value, String path, List<String> out, int depth) {
        JsonNode prefix = schema.get("prefixItems");
        JsonNode items = schema.get("items");
        int from = 0;
        if (prefix == null && items != null && items.isArray()) {
            prefix = items; // draft 4 tuple form
            items = schema.get("additionalItems");
        }
        if (prefix != null && prefix.isArray()) {
            for (int i = 0; i < Math.min(prefix.size(), value.size()); i++) {
                check(root, prefix.get(i), value.get(i), path + "[" + i + "]", out, depth + 1);
            }
            from = prefix.size();
        }
        if (items != null && (items.isObject() || items.isBoolean())) {
            for (int i = from; i < value.size(); i++) {
                check(root, items, value.get(i), path + "[" + i + "]", out, depth + 1);
            }
        }
        JsonNode min = schema.get("minItems");
        if (min != null && min.isNumber() && value.size() < min.asInt()) {
            out.add(path + ": needs at least " + min.asInt() + " items, has " + value.size());
        }
        JsonNode max = schema.get("maxItems");
        if (max != null && max.isNumber() && value.size() > max.asInt()) {
            out.add(path + ": allows at most " + max.asInt() + " items, has " + value.size());
        }
        if (schema.path("uniqueItems").asBoolean(false)) {
            for (int i = 0; i < value.size(); i++) {
                for (int j = i + 1; j < value.size(); j++) {
                    if (same(value.get(i), value.get(j))) {
                        out.add(path + ": items must be unique, but [" + i + "] and [" + j + "] are equal");
                        return;
                    }
                }
            }
        }
    }

    private static void checkString(JsonNode schema, String value, String path, List<String> out) {
        int length = value.codePointCount(0, value.length());
        JsonNode min = schema.get("minLength");
        if (min != null && min.isNumber() && length < min.asInt()) {
            out.add(path + ": must have at least " + min.asInt() + " characters, has " + length);
        }
        JsonNode max = schema.get("maxLength");
        if (max != null && max.isNumber() && length > max.asInt()) {
            out.add(path + ": must have at most " + max.asInt() + " characters, has " + length);
        }
        JsonNode pattern = schema.get("pattern");
        if (pattern != null && pattern.isTextual()) {
            try {
                if (!Pattern.compile(pattern.textValue()).matcher(value).find()) {
                    out.add(path + ": must match the pattern " + pattern.textValue());
                }
            } catch (PatternSyntaxException e) {
                // a pattern Java cannot read constrains nothing we can check
            }
        }
    }

    private static void checkNumber(JsonNode schema, BigDecimal value, String path, List<String> out) {
        JsonNode minimum = schema.get("minimum");
        JsonNode maximum = schema.get("maximum");
        JsonNode exclusiveMin = schema.get("exclusiveMinimum");
        JsonNode exclusiveMax = schema.get("exclusiveMaximum");
        if (minimum != null && minimum.isNumber()) {
            boolean exclusive = exclusiveMin != null && exclusiveMin.asBoolean(false) && exclusiveMin.isBoolean();
            int cmp = value.compareTo(minimum.decimalValue());
            if (cmp < 0 || (exclusive && cmp == 0)) {
                out.add(path + ": must be " + (exclusive ? "greater than " : "at least ") + minimum + ", got "
                        + plain(value));
            }
        }
        if (maximum != null && maximum.isNumber()) {
            boolean exclusive = exclusiveMax != null && exclusiveMax.asBoolean(false) && exclusiveMax.isBoolean();
            int cmp = value.compareTo(maximum.decimalValue());
            if (cmp > 0 || (exclusive && cmp == 0)) {
                out.add(path + ": must be " + (exclusive ? "less than " : "at most ") + maximum + ", got "
                        + plain(value));
            }
        }
        if (exclusiveMin != null && exclusiveMin.isNumber() && value.compareTo(exclusiveMin.decimalValue()) <= 0) {
            out.add(path + ": must be greater than " + exclusiveMin + ", got " + plain(value));
        }
        if (exclusiveMax != null && exclusiveMax.isNumber() && value.compareTo(exclusiveMax.decimalValue()) >= 0) {
            out.add(path + ": must be less than " + exclusiveMax + ", got " + plain(value));
        }
        JsonNode multipleOf = schema.get("multipleOf");
        if (multipleOf != null
                && multipleOf.isNumber()
                && multipleOf.decimalValue().signum() > 0) {
            if (value.remainder(multipleOf.decimalValue()).signum() != 0) {
                out.add(path + ": must be a multiple of " + multipleOf + ", got " + plain(value));
            }
        }
    }

    private static String plain(BigDecimal value) {
        return value.stripTrailingZeros().toPlainString();
    }

    private static void checkCombinators(
            JsonNode root, JsonNode schema, JsonNode value, String path, List<String> out, int depth) {
        JsonNode allOf = schema.get("allOf");
        if (allOf != null && allOf.isArray()) {
            for (JsonNode alternative : allOf) {
                check(root, alternative, value, path, out, depth + 1);
            }
        }
        JsonNode anyOf = schema.get("anyOf");
        if (anyOf != null && anyOf.isArray() && anyOf.size() > 0) {
            List<List<String>> results = alternatives(root, anyOf, value, path, depth);
            if (results.stream().noneMatch(List::isEmpty)) {
                reportNoMatch("anyOf", anyOf, results, value, path, out);
            }
        }
        JsonNode oneOf = schema.get("oneOf");
        if (oneOf != null && oneOf.isArray() && oneOf.size() > 0) {
            List<List<String>> results = alternatives(root, oneOf, value, path, depth);
            List<Integer> matching = new ArrayList<>();
            for (int i = 0; i < results.size(); i++) {
                if (results.get(i).isEmpty()) {
                    matching.add(i + 1);
                }
            }
            if (matching.isEmpty()) {
                reportNoMatch("oneOf", oneOf, results, value, path, out);
            } else if (matching.size() > 1) {
                out.add(path + ": must match exactly one alternative of oneOf, but matches alternatives " + matching);
            }
        }
        JsonNode not = schema.get("not");
        if (not != null && (not.isObject() || not.isBoolean())) {
            List<String> inner = new ArrayList<>();
            check(root, not, value, path, inner, depth + 1);
            if (inner.isEmpty()) {
                out.add(path + ": must not match the schema under 'not'");
            }
        }
    }

    private static List<List<String>> alternatives(
            JsonNode root, JsonNode alternatives, JsonNode value, String path, int depth) {
        List<List<String>> results = new ArrayList<>();
        for (JsonNode alternative : alternatives) {
            List<String> problems = new ArrayList<>();
            check(root, alternative, value, path, problems, depth + 1);
            results.add(problems);
        }
        return results;
    }

    /**
     * Reports a value that matches none of the alternatives. When only one alternative could be meant (the others
     * accept only null, or the value is not null), or one is clearly closest (fewest problems), its problems are
     * reported, since they tell the model what to fix.
     */
    private static void reportNoMatch(
            String keyword,
            JsonNode alternatives,
            List<List<String>> results,
            JsonNode value,
            String path,
            List<String> out) {
        int best = -1;
        int nonNull = 0;
        for (int i = 0; i < results.size(); i++) {
            if (!acceptsOnlyNull(alternatives.get(i))) {
                nonNull++;
                if (best < 0 || results.get(i).size() < results.get(best).size()) {
                    best = i;
                }
            }
        }
        if (best >= 0 && (nonNull == 1 || uniqueMinimum(results, best))) {
            String prefix = nonNull == 1 ? "" : "(closest alternative #" + (best + 1) + " of " + keyword + ") ";
            for (String problem : results.get(best)) {
                out.add(prefix + problem);
            }
            return;
        }
        out.add(path + ": " + describe(value) + " matches none of the " + results.size() + " alternatives of "
                + keyword);
    }

    private static boolean uniqueMinimum(List<List<String>> results, int best) {
        int min = results.get(best).size();
        int count = 0;
        for (List<String> result : results) {
            if (result.size() == min) {
                count++;
            }
        }
        return count == 1;
    }

    private static boolean acceptsOnlyNull(JsonNode schema) {
        return schema.isObject() && "null".equals(schema.path("type").asText(""));
    }

    /** The value's type and, when short, the value itself: {@code string "12"}, {@code object}. */
    static String describe(JsonNode value) {
        String type;
        if (value.isNull()) {
            return "null";
        } else if (value.isTextual()) {
            type = "string";
        } else if (value.isIntegralNumber()) {
            type = "integer";
        } else if (value.isNumber()) {
            type = "number";
        } else if (value.isBoolean()) {
            type = "boolean";
        } else if (value.isArray()) {
            return "array";
        } else if (value.isObject()) {
            return "object";
        } else {
            return value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        }
        String text = value.toString();
        return text.length() <= 40 ? type + " " + text : type + " " + text.substring(0, 37) + "...";
    }
}
