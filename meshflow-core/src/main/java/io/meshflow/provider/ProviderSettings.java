package io.meshflow.provider;

import io.meshflow.ValidationException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A provider's settings (from a workflow file's {@code providers:} section, {@link Providers#forName} or the CLI), read
 * with the checks every vendor adapter needs: known keys only, secrets from settings or the vendor's standard
 * environment variables, typed numbers, a base URL, and prices.
 *
 * <p>Settings every provider understands: {@code model} (the default model), {@code api_key}, {@code base_url},
 * {@code timeout_ms} (per request, default {@value #DEFAULT_TIMEOUT_MS}), {@code max_retries} (on 429, 5xx and
 * connection errors, with exponential backoff, jitter and {@code retry-after}; default {@value #DEFAULT_MAX_RETRIES})
 * and {@code prices} (a mapping from model name to {@code input_per_mtok}, {@code output_per_mtok},
 * {@code cache_read_per_mtok}, {@code cache_write_per_mtok}). Every reader throws {@link ValidationException} naming the
 * provider and the setting.
 */
public final class ProviderSettings {
    /** The default request timeout in milliseconds. */
    public static final long DEFAULT_TIMEOUT_MS = 120_000;

    /** The default number of retries after the first attempt. */
    public static final int DEFAULT_MAX_RETRIES = 2;

    /** Keys every provider accepts. */
    public static final Set<String> COMMON_KEYS =
            Set.of("model", "api_key", "base_url", "timeout_ms", "max_retries", "prices");

    private static final Set<String> PRICE_KEYS =
            Set.of("input_per_mtok", "output_per_mtok", "cache_read_per_mtok", "cache_write_per_mtok");

    private final String provider;
    private final Map<String, Object> values;
    private final Function<String, @Nullable String> env;

    private ProviderSettings(String provider, Map<String, ?> values, Function<String, @Nullable String> env) {
        this.provider = provider;
        this.values = Map.copyOf(values);
        this.env = env;
    }

    /** Settings read with the process environment. */
    public static ProviderSettings of(String provider, Map<String, ?> values) {
        return new ProviderSettings(provider, values, System::getenv);
    }

    /** Settings read with the given environment (tests, or a server that keeps secrets elsewhere). */
    public static ProviderSettings of(String provider, Map<String, ?> values, Function<String, @Nullable String> env) {
        return new ProviderSettings(provider, values, env);
    }

    /** The provider's name, used in every message. */
    public String provider() {
        return provider;
    }

    /** The raw values. */
    public Map<String, Object> values() {
        return values;
    }

    /**
     * Checks that only {@link #COMMON_KEYS} and {@code extraKeys} are given.
     *
     * @throws ValidationException naming each unknown key and listing the known ones
     */
    public ProviderSettings allowOnly(Set<String> extraKeys) {
        Set<String> known = new TreeSet<>(COMMON_KEYS);
        known.addAll(extraKeys);
        List<String> problems = new ArrayList<>();
        for (String key : new TreeSet<>(values.keySet())) {
            if (!known.contains(key)) {
                problems.add(provider + ": unknown setting '" + key + "'; known settings: " + String.join(", ", known));
            }
        }
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
        return this;
    }

    /** A text setting, if given. */
    public Optional<String> string(String key) {
        Object value = values.get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof String text)) {
            throw problem(key + " must be text, got " + describe(value));
        }
        if (text.isBlank()) {
            throw problem(key + " must not be blank");
        }
        return Optional.of(text);
    }

    /** A text setting, or else the first of {@code envVars} that is set and not blank. */
    public Optional<String> stringOrEnv(String key, String... envVars) {
        Optional<String> given = string(key);
        if (given.isPresent()) {
            return given;
        }
        for (String name : envVars) {
            String value = env.apply(name);
            if (value != null && !value.isBlank()) {
                return Optional.of(value.strip());
            }
        }
        return Optional.empty();
    }

    /**
     * A secret such as an API key: the setting, or else the first of {@code envVars} that is set.
     *
     * @throws ValidationException naming the variables to set when none is
     */
    public String secret(String key, String... envVars) {
        return stringOrEnv(key, envVars)
                .orElseThrow(() -> problem("no " + key.replace('_', ' ') + ": set "
                        + (envVars.length == 0 ? "" : String.join(" or ", envVars) + " in the environment, or set ")
                        + "'" + key + "' in the provider's settings"));
    }

    /** The {@code model} setting, or {@code fallback}. */
    public String model(String fallback) {
        return string("model").orElse(fallback);
    }

    /** The {@code base_url} setting (or the first of {@code envVars}), checked to be an absolute http(s) URL. */
    public Optional<URI> baseUrl(String... envVars) {
        Optional<String> text = stringOrEnv("base_url", envVars);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(text.get());
            if (!uri.isAbsolute()
                    || uri.getHost() == null
                    || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw problem("base_url must be an absolute http(s) URL, got '" + text.get() + "'");
            }
            return Optional.of(uri);
        } catch (URISyntaxException e) {
            throw problem("base_url is not a URL: " + e.getMessage());
        }
    }

    /** The {@code timeout_ms} setting as a duration. */
    public Duration timeout() {
        return Duration.ofMillis(integer("timeout_ms", DEFAULT_TIMEOUT_MS, 1, 3_600_000));
    }

    /** The {@code max_retries} setting. */
    public int maxRetries() {
        return (int) integer("max_retries", DEFAULT_MAX_RETRIES, 0, 20);
    }

    /** A whole-number setting within {@code min..max}, or {@code fallback}. */
    public long integer(String key, long fallback, long min, long max) {
        Object value = values.get(key);
        if (value == null) {
            return fallback;
        }
        long number;
        if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            number = ((Number) value).longValue();
        } else if (value instanceof String text && text.strip().matches("-?\\d{1,18}")) {
            number = Long.parseLong(text.strip());
        } else {
            throw problem(key + " must be a whole number, got " + describe(value));
        }
        if (number < min || number > max) {
            throw problem(key + " must be within " + min + ".." + max + ", got " + number);
        }
        return number;
    }

    /** The default prices with the {@code prices} setting applied. */
    public PriceTable prices() {
        return prices(PriceTable.defaults());
    }

    /** {@code base} with the {@code prices} setting applied. */
    public PriceTable prices(PriceTable base) {
        Object value = values.get("prices");
        if (value == null) {
            return base;
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw problem("prices must be a mapping from model name to prices, got " + describe(value));
        }
        PriceTable.Builder builder = base.toBuilder();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            String model = String.valueOf(entry.getKey());
            if (!(entry.getValue() instanceof Map<?, ?> cells)) {
                throw problem(
                        "prices." + model + " must be a mapping of " + String.join(", ", new TreeSet<>(PRICE_KEYS)));
            }
            Map<String, Double> read = new LinkedHashMap<>();
            for (Map.Entry<?, ?> cell : cells.entrySet()) {
                String key = String.valueOf(cell.getKey());
                if (!PRICE_KEYS.contains(key)) {
                    throw problem("prices." + model + ": unknown key '" + key + "'; known: "
                            + String.join(", ", new TreeSet<>(PRICE_KEYS)));
                }
                if (!(cell.getValue() instanceof Number number)
                        || !(number.doubleValue() >= 0)
                        || Double.isInfinite(number.doubleValue())) {
                    throw problem(
                            "prices." + model + "." + key + " must be a number >= 0, got " + describe(cell.getValue()));
                }
                read.put(key, number.doubleValue());
            }
            Double input = read.get("input_per_mtok");
            Double output = read.get("output_per_mtok");
            if (input == null || output == null) {
                throw problem("prices." + model + " needs input_per_mtok and output_per_mtok");
            }
            builder.price(
                    model,
                    new PriceTable.ModelPrice(
                            input,
                            output,
                            read.getOrDefault("cache_read_per_mtok", input),
                            read.getOrDefault("cache_write_per_mtok", input)));
        }
        return builder.build();
    }

    /** A {@link ValidationException} naming the provider. */
    public ValidationException problem(String message) {
        return new ValidationException(provider + ": " + message);
    }

    private static String describe(@Nullable Object value) {
        if (value == null) {
            return "nothing";
        }
        if (value instanceof Map<?, ?>) {
            return "a mapping";
        }
        if (value instanceof List<?>) {
            return "a list";
        }
        return value.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + " '" + value + "'";
    }
}
