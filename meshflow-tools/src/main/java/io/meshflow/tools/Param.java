package io.meshflow.tools;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Describes an argument of a tool: a parameter of a {@link ToolMethod}, or a component (field) of a record used as a
 * tool's input. The description and default go into the tool's JSON Schema; an argument with a default is not
 * required, and the default is used when the model leaves it out.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.PARAMETER, ElementType.FIELD})
public @interface Param {
    /** Marks {@link #defaultValue()} as not given. */
    String NO_DEFAULT = "\u0000none";

    /** What the argument means, for the model. */
    String value() default "";

    /**
     * The argument's name in the schema. For method parameters it defaults to the parameter's name when the code was
     * compiled with {@code -parameters}, else it must be given; record components use their own names.
     */
    String name() default "";

    /**
     * The default value as JSON ({@code 10}, {@code true}, {@code "EUR"}, {@code [1,2]}); text that is not JSON is
     * taken as a string.
     */
    String defaultValue() default NO_DEFAULT;
}
