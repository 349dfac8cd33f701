package io.meshflow.tools;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method as a tool; {@link JavaTools#from(Object)} turns every such method of an object into a
 * {@link io.meshflow.tool.Tool}. The method's parameters become the tool's arguments (describe them with
 * {@link Param}); it returns a {@code String}, a {@link io.meshflow.tool.ToolResult}, any other value (sent to the
 * model as JSON) or nothing.
 *
 * <pre>{@code
 * @ToolMethod("Converts an amount between currencies at today's rate.")
 * String convert(@Param("amount to convert") double amount, @Param("ISO 4217 code, e.g. EUR") String from,
 *         @Param("ISO 4217 code") String to) { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface ToolMethod {
    /** What the tool does and when to use it, for the model. */
    String value();

    /** The tool's name; by default the method's name in snake_case ({@code convertCurrency} → {@code convert_currency}). */
    String name() default "";
}
