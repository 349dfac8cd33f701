package io.meshflow.workflow.yaml;

import io.meshflow.MeshFlowException;
import io.meshflow.workflow.EdgeCondition;
import io.meshflow.workflow.RouteContext;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * A condition written in a workflow file ({@code when:}), compiled once at load time into an {@link EdgeCondition}.
 *
 * <p>Grammar, loosest binding first:
 *
 * <pre>
 * condition  := or
 * or         := and ('or' and)*
 * and        := not ('and' not)*
 * not        := 'not' not | comparison
 * comparison := value (op value)?     op: contains icontains starts_with ends_with matches == != &lt; &lt;= &gt; &gt;=
 * value      := "text" | 'text' | number | true | false | output | task | steps
 *             | outputs.NODE | runs.NODE | len(condition) | (condition)
 * </pre>
 *
 * Values are typed (text, number, boolean) and checked at load time: {@code output > 3} is refused there, not when the
 * run reaches the edge. {@code outputs.NODE} is the latest output of a node of the same workflow, empty if it has not
 * run; {@code runs.NODE} how many times it ran; {@code steps} the steps of the run so far. {@code matches} finds a Java
 * regular expression anywhere in the text; {@code icontains} ignores case; {@code len} counts characters.
 */
final class Condition implements EdgeCondition {
    /** Words with a meaning of their own; they cannot name variables. */
    private static final Set<String> TEXT_OPERATORS =
            Set.of("contains", "icontains", "starts_with", "ends_with", "matches");

    private static final List<String> NAMES = List.of(
            "output",
            "outputs.<node>",
            "task",
            "runs.<node>",
            "steps",
            "len(...)",
            "true",
            "false",
            "and",
            "or",
            "not",
            "contains",
            "icontains",
            "starts_with",
            "ends_with",
            "matches");

    private final String source;
    private final Eval eval;

    private Condition(String source, Eval eval) {
        this.source = source;
        this.eval = eval;
    }

    /**
     * Compiles a condition.
     *
     * @param source the expression
     * @param nodeIds the ids {@code outputs.} and {@code runs.} may name
     * @throws ConditionException with the column of the first mistake
     */
    static Condition parse(String source, Collection<String> nodeIds) throws ConditionException {
        return new Condition(source, new Parser(source, nodeIds).parse());
    }

    @Override
    public boolean test(String output, RouteContext context) {
        return (Boolean) eval.apply(output, context);
    }

    /** The expression as written. */
    @Override
    public String toString() {
        return source;
    }

    /** Evaluates a compiled value: a String, a Double or a Boolean, as its {@link Type} says. */
    @FunctionalInterface
    private interface Eval {
        Object apply(String output, RouteContext context);
    }

    private enum Type {
        TEXT("text"),
        NUMBER("a number"),
        BOOLEAN("true/false");

        private final String label;

        Type(String label) {
            this.label = label;
        }
    }

    /**
     * A compiled sub-expression.
     *
     * @param type what it evaluates to
     * @param eval how
     * @param start its first character in the source (0-based)
     * @param end one past its last character
     * @param constant its value when it is a literal, else null
     */
    private record Typed(
            Type type,
            Eval eval,
            int start,
            int end,
            @Nullable Object constant) {}

    private enum Kind {
        TEXT,
        NUMBER,
        WORD,
        REF,
        LPAREN,
        RPAREN,
        OP,
        END
    }

    /**
     * A token.
     *
     * @param kind its kind
     * @param text as written
     * @param start 0-based offset
     * @param value the text of a literal, the node id of a reference, else {@code text}
     */
    private record Token(Kind kind, String text, int start, String value) {
        int end() {
            return start + text.length();
        }

        String shown() {
            return kind == Kind.END ? "the end of the condition" : "'" + text + "'";
        }
    }

    private static final class Parser {
        private final String source;
        private final Collection<String> nodeIds;
        private final List<Token> tokens = new ArrayList<>();
        private int position;

        Parser(String source, Collection<String> nodeIds) {
            this.source = source;
            this.nodeIds = nodeIds;
        }

        Eval parse() throws ConditionException {
            lex();
            if (tokens.size() == 1) {
                throw new ConditionException("the condition is empty", 1);
            }
            Typed result = or();
            Token next = peek();
            if (next.kind() != Kind.END) {
                throw error(
                        next,
                        "unexpected " + next.shown() + " after a complete condition; join conditions with"
                                + " 'and' or 'or'");
            }
            if (result.type() != Type.BOOLEAN) {
                throw new ConditionException(
                        "the condition must be true or false, but " + quote(result) + " is " + result.type().label
                                + "; compare it, for example: output contains \"DONE\"",
                        result.start() + 1);
            }
            return result.eval();
        }

        // ---- grammar ----

        private Typed or() throws ConditionException {
            Typed left = and();
            while (isWord(peek(), "or")) {
                Token op = next();
                Typed right = and();
                requireBoolean(op, left);
                requireBoolean(op, right);
                Eval l = left.eval();
                Eval r = right.eval();
                left = typed(Type.BOOLEAN, (o, c) -> (Boolean) l.apply(o, c) || (Boolean) r.apply(o, c), left, right);
            }
            return left;
        }

        private Typed and() throws ConditionException {
            Typed left = not();
            while (isWord(peek(), "and")) {
                Token op = next();
                Typed right = not();
                requireBoolean(op, left);
                requireBoolean(op, right);
                Eval l = left.eval();
                Eval r = right.eval();
                left = typed(Type.BOOLEAN, (o, c) -> (Boolean) l.apply(o, c) && (Boolean) r.apply(o, c), left, right);
            }
            return left;
        }

        private Typed not() throws ConditionException {
            if (isWord(peek(), "not")) {
                Token op = next();
                Typed operand = not();
                requireBoolean(op, operand);
                Eval e = operand.eval();
                return new Typed(Type.BOOLEAN, (o, c) -> !(Boolean) e.apply(o, c), op.start(), operand.end(), null);
            }
            return comparison();
        }

        private Typed comparison() throws ConditionException {
            Typed left = value();
            if (!isComparison(peek())) {
                return left;
            }
            Token op = next();
            Typed right = value();
            Typed result = compare(op, left, right);
            if (isComparison(peek())) {
                throw error(peek(), "comparisons cannot be chained; join them with 'and'");
            }
            return result;
        }

        private Typed value() throws ConditionException {
            Token token = next();
            return switch (token.kind()) {
                case TEXT -> literal(token, Type.TEXT, token.value());
                case NUMBER -> literal(token, Type.NUMBER, Double.valueOf(token.value()));
                case LPAREN -> parenthesized(token);
                case REF -> reference(token);
                case WORD -> word(token);
                case END -> throw error(token, "expected a value, but the condition ends here");
                default -> throw error(token, "expected a value, found " + token.shown());
            };
        }

        private Typed parenthesized(Token open) throws ConditionException {
            Typed inner = or();
            Token close = next();
            if (close.kind() != Kind.RPAREN) {
                throw error(
                        close,
                        "expected ')' to close the '(' at column " + (open.start() + 1) + ", found " + close.shown());
            }
            return new Typed(inner.type(), inner.eval(), open.start(), close.end(), inner.constant());
        }

        private Typed word(Token token) throws ConditionException {
            return switch (token.text()) {
                case "true", "false" -> literal(token, Type.BOOLEAN, Boolean.valueOf(token.text()));
                case "output" -> variable(token, Type.TEXT, (o, c) -> o);
                case "task" -> variable(token, Type.TEXT, (o, c) -> c.task());
                case "steps" -> variable(token, Type.NUMBER, (o, c) -> (double) c.steps());
                case "len" -> len(token);
                case "outputs", "runs" ->
                    throw error(token, token.text() + " needs a node id: " + token.text() + ".<node_id>");
                default -> throw unknownName(token);
            };
        }

        private static Typed literal(Token token, Type type, Object value) {
            return new Typed(type, (o, c) -> value, token.start(), token.end(), value);
        }

        private static Typed variable(Token token, Type type, Eval eval) {
            return new Typed(type, eval, token.start(), token.end(), null);
        }

        private Typed len(Token token) throws ConditionException {
            Token open = next();
            if (open.kind() != Kind.LPAREN) {
                throw error(open, "expected '(' after len, found " + open.shown());
            }
            Typed argument = or();
            Token close = next();
            if (close.kind() != Kind.RPAREN) {
                throw error(close, "expected ')' to close len(, found " + close.shown());
            }
            if (argument.type() != Type.TEXT) {
                throw new ConditionException(
                        "len() counts the characters of text, but " + quote(argument) + " is " + argument.type().label,
                        argument.start() + 1);
            }
            Eval e = argument.eval();
            return new Typed(
                    Type.NUMBER,
                    (o, c) -> {
                        String text = (String) e.apply(o, c);
                        return (double) text.codePointCount(0, text.length());
                    },
                    token.start(),
                    close.end(),
                    null);
        }

        private static ConditionException unknownName(Token token) {
            if (TEXT_OPERATORS.contains(token.text())
                    || Set.of("and", "or", "not").contains(token.text())) {
                return error(token, "expected a value before '" + token.text() + "'");
            }
            return error(
                    token,
                    "unknown name '" + token.text() + "'" + Spelling.didYouMean(token.text(), NAMES) + "; known names: "
                            + String.join(", ", NAMES));
        }

        private Typed reference(Token token) throws ConditionException {
            String node = token.value();
            if (!nodeIds.contains(node)) {
                throw error(
                        token,
                        "unknown node '" + node + "' in " + token.text() + Spelling.didYouMean(node, nodeIds)
                                + "; known nodes: " + String.join(", ", nodeIds));
            }
            if (token.text().startsWith("outputs.")) {
                return new Typed(Type.TEXT, (o, c) -> c.output(node).orElse(""), token.start(), token.end(), null);
            }
            return new Typed(Type.NUMBER, (o, c) -> (double) c.runs(node), token.start(), token.end(), null);
        }

        private Typed compare(Token op, Typed left, Typed right) throws ConditionException {
            String name = op.text();
            Eval l = left.eval();
            Eval r = right.eval();
            if (TEXT_OPERATORS.contains(name)) {
                requireType(op, left, Type.TEXT, "'" + name + "' works on text");
                requireType(op, right, Type.TEXT, "'" + name + "' works on text");
                Eval eval = switch (name) {
                    case "contains" -> (o, c) -> ((String) l.apply(o, c)).contains((String) r.apply(o, c));
                    case "icontains" -> (o, c) -> lower(l.apply(o, c)).contains(lower(r.apply(o, c)));
                    case "starts_with" -> (o, c) -> ((String) l.apply(o, c)).startsWith((String) r.apply(o, c));
                    case "ends_with" -> (o, c) -> ((String) l.apply(o, c)).endsWith((String) r.apply(o, c));
                    default -> matches(l, right);
                };
                return typed(Type.BOOLEAN, eval, left, right);
            }
            if (name.equals("==") || name.equals("!=")) {
                if (left.type() != right.type()) {
                    throw new ConditionException(
                            "'" + name + "' compares values of the same kind, but " + quote(left) + " is "
                                    + left.type().label + " and " + quote(right) + " is " + right.type().label,
                            op.start() + 1);
                }
                boolean equal = name.equals("==");
                return typed(Type.BOOLEAN, (o, c) -> l.apply(o, c).equals(r.apply(o, c)) == equal, left, right);
            }
            requireType(op, left, Type.NUMBER, "'" + name + "' compares numbers");
            requireType(op, right, Type.NUMBER, "'" + name + "' compares numbers");
            Eval eval = switch (name) {
                case "<" -> (o, c) -> (Double) l.apply(o, c) < (Double) r.apply(o, c);
                case "<=" -> (o, c) -> (Double) l.apply(o, c) <= (Double) r.apply(o, c);
                case ">" -> (o, c) -> (Double) l.apply(o, c) > (Double) r.apply(o, c);
                default -> (o, c) -> (Double) l.apply(o, c) >= (Double) r.apply(o, c);
            };
            return typed(Type.BOOLEAN, eval, left, right);
        }

        private static Eval matches(Eval l, Typed right) throws ConditionException {
            if (right.constant() instanceof String regex) {
                Pattern pattern;
                try {
                    pattern = Pattern.compile(regex);
                } catch (PatternSyntaxException e) {
                    throw new ConditionException(
                            "invalid regular expression: " + e.getDescription(), right.start() + 1);
                }
                return (o, c) -> pattern.matcher((String) l.apply(o, c)).find();
            }
            Eval r = right.eval();
            return (o, c) -> {
                String regex = (String) r.apply(o, c);
                try {
                    return Pattern.compile(regex)
                            .matcher((String) l.apply(o, c))
                            .find();
                } catch (PatternSyntaxException e) {
                    throw new MeshFlowException(
                            "condition: the regular expression computed at run time is invalid: " + e.getDescription(),
                            e);
                }
            };
        }

        private static String lower(Object text) {
            return ((String) text).toLowerCase(Locale.ROOT);
        }

        // ---- helpers ----

        private void requireBoolean(Token op, Typed operand) throws ConditionException {
            requireType(op, operand, Type.BOOLEAN, "'" + op.text() + "' joins conditions");
        }

        private void requireType(Token op, Typed operand, Type expected, String rule) throws ConditionException {
            if (operand.type() != expected) {
                throw new ConditionException(
                        rule + " (" + expected.label + "), but " + quote(operand) + " is " + operand.type().label
                                + hint(op, operand, expected),
                        operand.start() + 1);
            }
        }

        private static String hint(Token op, Typed operand, Type expected) {
            if (expected == Type.NUMBER && operand.type() == Type.TEXT) {
                return "; use len(...) to compare a length";
            }
            if (expected == Type.BOOLEAN) {
                return "; compare it first, for example: " + "output contains \"DONE\" " + op.text() + " ...";
            }
            return "";
        }

        private String quote(Typed value) {
            return "'" + source.substring(value.start(), value.end()) + "'";
        }

        private static Typed typed(Type type, Eval eval, Typed left, Typed right) {
            return new Typed(type, eval, left.start(), right.end(), null);
        }

        private static boolean isWord(Token token, String word) {
            return token.kind() == Kind.WORD && token.text().equals(word);
        }

        private static boolean isComparison(Token token) {
            return token.kind() == Kind.OP || (token.kind() == Kind.WORD && TEXT_OPERATORS.contains(token.text()));
        }

        private Token peek() {
            return tokens.get(position);
        }

        private Token next() {
            Token token = tokens.get(position);
            if (token.kind() != Kind.END) {
                position++;
            }
            return token;
        }

        private static ConditionException error(Token token, String message) {
            return new ConditionException(message, token.start() + 1);
        }

        // ---- lexer ----

        private void lex() throws ConditionException {
            int i = 0;
            int n = source.length();
            while (i < n) {
                char c = source.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (c == '(') {
                    tokens.add(new Token(Kind.LPAREN, "(", i, "("));
                    i++;
                } else if (c == ')') {
                    tokens.add(new Token(Kind.RPAREN, ")", i, ")"));
                    i++;
                } else if (c == '"' || c == '\'') {
                    i = text(i);
                } else if (isDigit(c) || (c == '-' && i + 1 < n && isDigit(source.charAt(i + 1)))) {
                    i = number(i);
                } else if (Character.isLetter(c) || c == '_') {
                    i = word(i);
                } else if (c == '=' || c == '!' || c == '<' || c == '>') {
                    i = operator(i);
                } else if (c == '&') {
                    throw new ConditionException("unexpected '&'; write 'and'", i + 1);
                } else if (c == '|') {
                    throw new ConditionException("unexpected '|'; write 'or'", i + 1);
                } else {
                    throw new ConditionException("unexpected character '" + c + "'", i + 1);
                }
            }
            tokens.add(new Token(Kind.END, "", n, ""));
        }

        private int text(int start) throws ConditionException {
            char quote = source.charAt(start);
            StringBuilder value = new StringBuilder();
            int i = start + 1;
            while (i < source.length()) {
                char c = source.charAt(i);
                if (c == quote) {
                    tokens.add(new Token(Kind.TEXT, source.substring(start, i + 1), start, value.toString()));
                    return i + 1;
                }
                if (c == '\\') {
                    if (i + 1 >= source.length()) {
                        break;
                    }
                    char escaped = source.charAt(i + 1);
                    switch (escaped) {
                        case '"', '\'', '\\' -> value.append(escaped);
                        case 'n' -> value.append('\n');
                        case 't' -> value.append('\t');
                        default ->
                            throw new ConditionException(
                                    "unknown escape '\\" + escaped + "'; use \\\", \\', \\\\, \\n or \\t", i + 1);
                    }
                    i += 2;
                } else {
                    value.append(c);
                    i++;
                }
            }
            throw new ConditionException("text starting here is not closed with " + quote, start + 1);
        }

        private int number(int start) {
            int i = start + 1;
            while (i < source.length() && isDigit(source.charAt(i))) {
                i++;
            }
            if (i + 1 < source.length() && source.charAt(i) == '.' && isDigit(source.charAt(i + 1))) {
                i += 2;
                while (i < source.length() && isDigit(source.charAt(i))) {
                    i++;
                }
            }
            String text = source.substring(start, i);
            tokens.add(new Token(Kind.NUMBER, text, start, text));
            return i;
        }

        private int word(int start) throws ConditionException {
            int i = start + 1;
            while (i < source.length() && (Character.isLetterOrDigit(source.charAt(i)) || source.charAt(i) == '_')) {
                i++;
            }
            String word = source.substring(start, i);
            if ((word.equals("outputs") || word.equals("runs")) && i < source.length() && source.charAt(i) == '.') {
                int idStart = i + 1;
                int j = idStart;
                while (j < source.length() && isIdChar(source.charAt(j))) {
                    j++;
                }
                if (j == idStart) {
                    throw new ConditionException("expected a node id after '" + word + ".'", idStart + 1);
                }
                tokens.add(new Token(Kind.REF, source.substring(start, j), start, source.substring(idStart, j)));
                return j;
            }
            if (i < source.length() && source.charAt(i) == '.') {
                throw new ConditionException(
                        "unexpected '.' after '" + word + "'; only outputs.<node> and runs.<node> have parts", i + 1);
            }
            tokens.add(new Token(Kind.WORD, word, start, word));
            return i;
        }

        private int operator(int start) throws ConditionException {
            char c = source.charAt(start);
            boolean equalsNext = start + 1 < source.length() && source.charAt(start + 1) == '=';
            if (c == '=' && !equalsNext) {
                throw new ConditionException("unexpected '='; compare with '=='", start + 1);
            }
            if (c == '!' && !equalsNext) {
                throw new ConditionException("unexpected '!'; write 'not' or '!='", start + 1);
            }
            String text = equalsNext ? source.substring(start, start + 2) : String.valueOf(c);
            tokens.add(new Token(Kind.OP, text, start, text));
            return start + text.length();
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        private static boolean isIdChar(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '_' || c == '-';
        }
    }
}
