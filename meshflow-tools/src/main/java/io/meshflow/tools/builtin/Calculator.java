package io.meshflow.tools.builtin;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A recursive-descent parser and evaluator of arithmetic expressions; nothing is handed to a script engine.
 *
 * <pre>
 * expression := term (('+' | '-') term)*
 * term       := unary (('*' | '/' | '%') unary)*
 * unary      := ('+' | '-') unary | power
 * power      := primary (('^' | '**') unary)?          right-associative: 2^3^2 = 2^9; -2^2 = -4
 * primary    := number | constant | function '(' expression (',' expression)* ')' | '(' expression ')'
 * </pre>
 *
 * Numbers may have a fraction and an exponent ({@code 1.5e3}); constants are {@code pi}, {@code e} and {@code tau};
 * functions are listed in {@link #FUNCTIONS}. Angles are in radians.
 */
final class Calculator {
    static final String FUNCTIONS = "sqrt, cbrt, abs, exp, ln, log (natural; log(x, b) for base b), log10, log2, sin,"
            + " cos, tan, asin, acos, atan, atan2, sinh, cosh, tanh, floor, ceil, round, min, max, pow, hypot";
    static final int MAX_LENGTH = 2000;
    private static final int MAX_DEPTH = 200;

    private final String text;
    private int pos;
    private int depth;

    private Calculator(String text) {
        this.text = text;
    }

    /**
     * Evaluates an expression.
     *
     * @throws IllegalArgumentException naming the position of a syntax error, an unknown name, a wrong number of
     *     arguments, a division by zero, or a result that is not a finite number
     */
    static double evaluate(String expression) {
        if (expression.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("the expression is longer than " + MAX_LENGTH + " characters");
        }
        Calculator parser = new Calculator(expression);
        double value = parser.expression();
        parser.skipSpaces();
        if (parser.pos < expression.length()) {
            throw parser.error("unexpected '" + expression.charAt(parser.pos) + "'");
        }
        if (Double.isNaN(value)) {
            throw new IllegalArgumentException(
                    "the result is not a number (for example the square root or logarithm" + " of a negative number)");
        }
        if (Double.isInfinite(value)) {
            throw new IllegalArgumentException("the result is too large (overflow)");
        }
        return value;
    }

    /** A result as text: whole numbers without a fraction, others to 15 significant digits. */
    static String format(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        BigDecimal rounded = new BigDecimal(value).round(MathContext.DECIMAL64).round(new MathContext(15));
        BigDecimal plain = rounded.stripTrailingZeros();
        return Math.abs(plain.scale()) > 20 ? plain.toString() : plain.toPlainString();
    }

    private double expression() {
        enter();
        double value = term();
        while (true) {
            if (eat('+')) {
                value += term();
            } else if (eat('-')) {
                value -= term();
            } else {
                depth--;
                return value;
            }
        }
    }

    private double term() {
        double value = unary();
        while (true) {
            int at = pos;
            if (eat('*')) {
                value *= unary();
            } else if (eat('/')) {
                double divisor = unary();
                if (divisor == 0) {
                    throw error(at, "division by zero");
                }
                value /= divisor;
            } else if (eat('%')) {
                double divisor = unary();
                if (divisor == 0) {
                    throw error(at, "modulo by zero");
                }
                value %= divisor;
            } else {
                return value;
            }
        }
    }

    private double unary() {
        enter();
        double value;
        if (eat('-')) {
            value = -unary();
        } else if (eat('+')) {
            value = unary();
        } else {
            value = power();
        }
        depth--;
        return value;
    }

    private double power() {
        double base = primary();
        skipSpaces();
        if (text.startsWith("**", pos)) {
            pos += 2;
            return Math.pow(base, unary());
        }
        if (eat('^')) {
            return Math.pow(base, unary());
        }
        return base;
    }

    private double primary() {
        skipSpaces();
        if (pos >= text.length()) {
            throw error("the expression ends where a number was expected");
        }
        char c = text.charAt(pos);
        if (c == '(') {
            pos++;
            double value = expression();
            expect(')');
            return value;
        }
        if (Character.isDigit(c) || c == '.') {
            return number();
        }
        if (Character.isLetter(c)) {
            int start = pos;
            while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
                pos++;
            }
            String name = text.substring(start, pos).toLowerCase(Locale.ROOT);
            skipSpaces();
            if (pos < text.length() && text.charAt(pos) == '(') {
                pos++;
                List<Double> args = new ArrayList<>();
                skipSpaces();
                if (!eat(')')) {
                    do {
                        args.add(expression());
                    } while (eat(','));
                    expect(')');
                }
                return call(name, args, start);
            }
            return switch (name) {
                case "pi" -> Math.PI;
                case "e" -> Math.E;
                case "tau" -> 2 * Math.PI;
                default -> throw error(start, "unknown name '" + name + "'; constants are pi, e and tau");
            };
        }
        throw error("unexpected '" + c + "'");
    }

    private double number() {
        int start = pos;
        while (pos < text.length() && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '.')) {
            pos++;
        }
        if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            int mark = pos;
            pos++;
            if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                pos++;
            }
            if (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                    pos++;
                }
            } else {
                pos = mark; // 'e' belongs to what follows, such as "2e" → error later
            }
        }
        String literal = text.substring(start, pos);
        try {
            return Double.parseDouble(literal);
        } catch (NumberFormatException e) {
            throw error(start, "'" + literal + "' is not a number");
        }
    }

    private double call(String name, List<Double> a, int at) {
        return switch (name) {
            case "sqrt" -> one(name, a, at, Math::sqrt);
            case "cbrt" -> one(name, a, at, Math::cbrt);
            case "abs" -> one(name, a, at, Math::abs);
            case "exp" -> one(name, a, at, Math::exp);
            case "ln" -> one(name, a, at, Math::log);
            case "log" -> {
                if (a.size() == 2) {
                    yield Math.log(a.get(0)) / Math.log(a.get(1));
                }
                yield one(name, a, at, Math::log);
            }
            case "log10" -> one(name, a, at, Math::log10);
            case "log2" -> one(name, a, at, x -> Math.log(x) / Math.log(2));
            case "sin" -> one(name, a, at, Math::sin);
            case "cos" -> one(name, a, at, Math::cos);
            case "tan" -> one(name, a, at, Math::tan);
            case "asin" -> one(name, a, at, Math::asin);
            case "acos" -> one(name, a, at, Math::acos);
            case "atan" -> one(name, a, at, Math::atan);
            case "sinh" -> one(name, a, at, Math::sinh);
            case "cosh" -> one(name, a, at, Math::cosh);
            case "tanh" -> one(name, a, at, Math::tanh);
            case "floor" -> one(name, a, at, Math::floor);
            case "ceil" -> one(name, a, at, Math::ceil);
            case "round" -> one(name, a, at, x -> (double) Math.round(x));
            case "atan2" -> two(name, a, at, Math::atan2);
            case "pow" -> two(name, a, at, Math::pow);
            case "hypot" -> two(name, a, at, Math::hypot);
            case "min", "max" -> {
                if (a.isEmpty()) {
                    throw error(at, name + "() needs at least one argument");
                }
                double result = a.get(0);
                for (double x : a) {
                    result = name.equals("min") ? Math.min(result, x) : Math.max(result, x);
                }
                yield result;
            }
            default -> throw error(at, "unknown function '" + name + "'; functions: " + FUNCTIONS);
        };
    }

    private double one(String name, List<Double> a, int at, java.util.function.DoubleUnaryOperator f) {
        if (a.size() != 1) {
            throw error(at, name + "() takes 1 argument, got " + a.size());
        }
        return f.applyAsDouble(a.get(0));
    }

    private double two(String name, List<Double> a, int at, java.util.function.DoubleBinaryOperator f) {
        if (a.size() != 2) {
            throw error(at, name + "() takes 2 arguments, got " + a.size());
        }
        return f.applyAsDouble(a.get(0), a.get(1));
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw error("the expression nests more than " + MAX_DEPTH + " levels deep");
        }
    }

    private boolean eat(char c) {
        skipSpaces();
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (!eat(c)) {
            throw error(
                    pos < text.length()
                            ? "expected '" + c + "' but found '" + text.charAt(pos) + "'"
                            : "expected '" + c + "' but the expression ends");
        }
    }

    private void skipSpaces() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private IllegalArgumentException error(String message) {
        return error(pos, message);
    }

    private IllegalArgumentException error(int at, String message) {
        return new IllegalArgumentException(message + " at position " + (at + 1));
    }
}
