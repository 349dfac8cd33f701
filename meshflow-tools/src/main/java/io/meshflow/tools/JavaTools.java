package io.meshflow.tools;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.AnnotatedClass;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.jsontype.TypeResolverBuilder;
import com.fasterxml.jackson.databind.jsontype.impl.StdTypeResolverBuilder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolResult;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Tools made from Java code, with input schemas derived from the Java types by {@link JsonSchemas}.
 *
 * <pre>{@code
 * class Billing {
 *     @ToolMethod("Looks up an invoice by number.")
 *     Invoice invoice(@Param("the invoice number, e.g. INV-2031") String number) { ... }
 * }
 * List<Tool> tools = JavaTools.from(new Billing());
 *
 * record Refund(@Param("invoice number") String invoice, @Param("amount in cents") long cents,
 *         Optional<String> reason) {}
 * Tool refund = JavaTools.fromRecord("refund", "Refunds part of an invoice.", Refund.class, r -> billing.refund(r));
 * }</pre>
 *
 * The model's arguments are converted to the Java types with Jackson ({@code Optional}, {@code java.time} and sealed
 * unions included); arguments that cannot be converted, and exceptions the code throws, become error results for the
 * model. A handler's return value becomes the result: a {@link ToolResult} as is, a {@code String} as text, nothing
 * ({@code void} or {@code null}) as {@code "done"}, anything else as JSON.
 */
public final class JavaTools {
    /** Reads arguments into Java values: Optional, java.time, sealed unions by their {@code "type"} property. */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new Jdk8Module())
            .addModule(new JavaTimeModule())
            .annotationIntrospector(new SealedUnionIntrospector())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private JavaTools() {}

    /** Handles the input of a record-typed tool. */
    @FunctionalInterface
    public interface InputHandler<T> {
        /**
         * Handles one call.
         *
         * @return the result: a {@link ToolResult}, a {@code String}, {@code null}, or a value sent as JSON
         * @throws Exception reported to the model as an error result
         */
        @Nullable
        Object handle(T input) throws Exception;
    }

    /**
     * The tools of every {@link ToolMethod}-annotated method of an object (instance methods, and static ones of its
     * class), ordered by tool name.
     *
     * @throws IllegalArgumentException when the object has no such method, or one cannot be made a tool
     */
    public static List<Tool> from(Object target) {
        Objects.requireNonNull(target, "target");
        List<Tool> tools = new ArrayList<>();
        for (Method method : annotatedMethods(target.getClass())) {
            tools.add(fromMethod(Modifier.isStatic(method.getModifiers()) ? null : target, method));
        }
        if (tools.isEmpty()) {
            throw new IllegalArgumentException(
                    target.getClass().getName() + " has no method annotated with @" + ToolMethod.class.getSimpleName());
        }
        return List.copyOf(tools);
    }

    /**
     * The tools of the static {@link ToolMethod}-annotated methods of a class, ordered by tool name.
     *
     * @throws IllegalArgumentException when the class has no such method, or one cannot be made a tool
     */
    public static List<Tool> fromStatic(Class<?> type) {
        List<Tool> tools = new ArrayList<>();
        for (Method method : annotatedMethods(type)) {
            if (Modifier.isStatic(method.getModifiers())) {
                tools.add(fromMethod(null, method));
            }
        }
        if (tools.isEmpty()) {
            throw new IllegalArgumentException(
                    type.getName() + " has no static method annotated with @" + ToolMethod.class.getSimpleName());
        }
        return List.copyOf(tools);
    }

    /**
     * A tool from one method, annotated with {@link ToolMethod} or not (then give it a name and description through
     * {@link #fromMethod(Object, Method, String, String)}).
     *
     * @param target the object to call it on; null for a static method
     * @throws IllegalArgumentException when the method is not annotated, or cannot be called or described
     */
    public static Tool fromMethod(@Nullable Object target, Method method) {
        ToolMethod annotation = method.getAnnotation(ToolMethod.class);
        if (annotation == null) {
            throw new IllegalArgumentException(method + " is not annotated with @" + ToolMethod.class.getSimpleName());
        }
        String name = annotation.name().isEmpty() ? JsonSchemas.snakeCase(method.getName()) : annotation.name();
        return fromMethod(target, method, name, annotation.value());
    }

    /**
     * A tool from one method, with the given name and description.
     *
     * @param target the object to call it on; null for a static method
     * @throws IllegalArgumentException when the method cannot be called or described
     */
    public static Tool fromMethod(@Nullable Object target, Method method, String name, String description) {
        if (target == null && !Modifier.isStatic(method.getModifiers())) {
            throw new IllegalArgumentException(method + " is an instance method: give the object to call it on");
        }
        if (!method.trySetAccessible()) {
            throw new IllegalArgumentException(method + " cannot be made accessible; make it public");
        }
        ObjectNode schema = JsonSchemas.forParameters(method);
        Parameter[] parameters = method.getParameters();
        List<Argument> arguments = new ArrayList<>(parameters.length);
        for (Parameter parameter : parameters) {
            Param param = parameter.getAnnotation(Param.class);
            arguments.add(new Argument(
                    JsonSchemas.parameterName(method, parameter),
                    MAPPER.constructType(parameter.getParameterizedType()),
                    param == null ? null : JsonSchemas.defaultValue(param),
                    JsonSchemas.isOptional(parameter.getParameterizedType())));
        }
        return Tool.of(name, description, schema, json -> {
            @Nullable Object[] values = new @Nullable Object[arguments.size()];
            for (int i = 0; i < values.length; i++) {
                Argument argument = arguments.get(i);
                try {
                    values[i] = argument.read(json);
                } catch (IllegalArgumentException e) {
                    return ToolResult.error("argument '" + argument.name() + "': " + e.getMessage());
                }
            }
            Object result;
            try {
                result = method.invoke(target, values);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof Exception exception) {
                    throw exception;
                }
                throw e;
            }
            return toResult(method.getReturnType() == void.class ? null : result);
        });
    }

    /**
     * A tool whose input is a record (or another class Jackson can read); its schema is the type's, component
     * descriptions from {@link Param} included. Components the model leaves out get their {@link Param#defaultValue()}.
     *
     * @throws IllegalArgumentException when the name is invalid or the type's schema is not an object schema
     */
    public static <T> Tool fromRecord(String name, String description, Class<T> inputType, InputHandler<T> handler) {
        Objects.requireNonNull(handler, "handler");
        ObjectNode schema = JsonSchemas.of(inputType);
        JavaType type = MAPPER.constructType(inputType);
        return Tool.of(name, description, schema, json -> {
            T input;
            try {
                input = MAPPER.convertValue(withDefaults(schema, json), type);
            } catch (IllegalArgumentException e) {
                return ToolResult.error("arguments do not fit " + inputType.getSimpleName() + ": " + e.getMessage());
            }
            return toResult(handler.handle(input));
        });
    }

    /** The arguments with the schema's declared defaults filled in for the properties the model left out. */
    private static JsonNode withDefaults(ObjectNode schema, JsonNode arguments) {
        if (!arguments.isObject()) {
            return arguments;
        }
        ObjectNode filled = null;
        for (java.util.Map.Entry<String, JsonNode> property :
                schema.path("properties").properties()) {
            JsonNode defaultValue = property.getValue().get("default");
            JsonNode given = arguments.get(property.getKey());
            if (defaultValue != null && (given == null || given.isNull())) {
                if (filled == null) {
                    filled = ((ObjectNode) arguments).deepCopy();
                }
                filled.set(property.getKey(), defaultValue);
            }
        }
        return filled == null ? arguments : filled;
    }

    /** A handler's return value as a result. */
    static ToolResult toResult(@Nullable Object value) throws JsonProcessingException {
        if (value == null) {
            return ToolResult.success("done");
        }
        if (value instanceof ToolResult result) {
            return result;
        }
        if (value instanceof String text) {
            return ToolResult.success(text);
        }
        return ToolResult.success(MAPPER.writeValueAsString(value));
    }

    private static List<Method> annotatedMethods(Class<?> type) {
        List<Method> methods = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method method : c.getDeclaredMethods()) {
                if (method.isAnnotationPresent(ToolMethod.class) && !method.isBridge()) {
                    methods.add(method);
                }
            }
        }
        methods.sort(Comparator.comparing(m -> {
            ToolMethod annotation = Objects.requireNonNull(m.getAnnotation(ToolMethod.class));
            return annotation.name().isEmpty() ? JsonSchemas.snakeCase(m.getName()) : annotation.name();
        }));
        return methods;
    }

    /** How one argument of a method is read from the model's JSON. */
    private record Argument(
            String name, JavaType type, @Nullable JsonNode defaultValue, boolean optional) {
        @Nullable
        Object read(JsonNode arguments) {
            JsonNode value = arguments.get(name);
            if (value == null || value.isNull()) {
                if (defaultValue != null) {
                    value = defaultValue;
                } else if (optional) {
                    return Optional.empty();
                } else if (type.isPrimitive()) {
                    throw new IllegalArgumentException("is required");
                } else {
                    return null;
                }
            }
            return MAPPER.convertValue(value, type);
        }
    }

    /** Reads and writes sealed unions by a {@code "type"} property holding the record's simple name. */
    private static final class SealedUnionIntrospector extends JacksonAnnotationIntrospector {
        private static final long serialVersionUID = 1L;

        @Override
        public @Nullable TypeResolverBuilder<?> findTypeResolver(
                MapperConfig<?> config, AnnotatedClass ac, JavaType baseType) {
            if (JsonSchemas.isSealedUnion(ac.getRawType())) {
                return new StdTypeResolverBuilder()
                        .init(JsonTypeInfo.Id.NAME, null)
                        .inclusion(JsonTypeInfo.As.PROPERTY)
                        .typeProperty(JsonSchemas.DISCRIMINATOR);
            }
            return super.findTypeResolver(config, ac, baseType);
        }

        @Override
        public @Nullable List<NamedType> findSubtypes(Annotated a) {
            if (a.getRawType().isSealed() && JsonSchemas.isSealedUnion(a.getRawType())) {
                return Arrays.stream(a.getRawType().getPermittedSubclasses())
                        .map(c -> new NamedType(c, c.getSimpleName()))
                        .toList();
            }
            return super.findSubtypes(a);
        }

        @Override
        public @Nullable String findTypeName(AnnotatedClass ac) {
            if (JsonSchemas.sealedUnionOf(ac.getRawType()) != null) {
                return ac.getRawType().getSimpleName();
            }
            return super.findTypeName(ac);
        }
    }
}
