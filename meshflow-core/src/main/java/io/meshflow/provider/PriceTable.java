package io.meshflow.provider;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prices of models in US dollars per million tokens, from which every step's {@code costUsd} is computed.
 *
 * <p>{@link #defaults()} holds the vendors' published list prices (file {@code io/meshflow/provider/prices.csv}, dated
 * in its header); a provider's {@code prices:} settings or {@link Builder#price} override them. A model id matches the
 * longest listed name that it starts with, or that follows a {@code .} or {@code /} in it, when the match ends the id
 * or is followed by {@code -}, {@code :} or {@code @}: so {@code gpt-4o-mini-2024-07-18} costs as {@code gpt-4o-mini},
 * {@code us.anthropic.claude-sonnet-4-5-20250929-v1:0} as {@code claude-sonnet-4-5}, and
 * {@code models/gemini-2.0-flash-001} as {@code gemini-2.0-flash}. An unknown model costs 0; the first time each one is
 * priced a warning is logged.
 */
public final class PriceTable {
    private static final Logger LOG = LoggerFactory.getLogger(PriceTable.class);
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
    private static final double PER_TOKEN = 1e-6;
    private static final PriceTable DEFAULTS = load();
    private static final PriceTable FREE = new PriceTable(Map.of());

    private final Map<String, ModelPrice> prices;
    private final Map<String, Optional<ModelPrice>> resolved = new ConcurrentHashMap<>();

    private PriceTable(Map<String, ModelPrice> prices) {
        this.prices = Map.copyOf(prices);
    }

    /**
     * What one model costs, in US dollars per million tokens.
     *
     * @param inputPerMTok prompt tokens
     * @param outputPerMTok generated tokens
     * @param cacheReadPerMTok prompt tokens read from the vendor's cache
     * @param cacheWritePerMTok prompt tokens written to the vendor's cache
     */
    public record ModelPrice(
            double inputPerMTok, double outputPerMTok, double cacheReadPerMTok, double cacheWritePerMTok) {
        /** Checks that no price is negative or not a number. */
        public ModelPrice {
            for (double p : new double[] {inputPerMTok, outputPerMTok, cacheReadPerMTok, cacheWritePerMTok}) {
                if (!(p >= 0) || Double.isInfinite(p)) {
                    throw new IllegalArgumentException("a price must be a finite number >= 0, got " + p);
                }
            }
        }

        /** Input and output prices; cached tokens cost as input tokens. */
        public static ModelPrice of(double inputPerMTok, double outputPerMTok) {
            return new ModelPrice(inputPerMTok, outputPerMTok, inputPerMTok, inputPerMTok);
        }

        /** What {@code usage} costs at these prices. */
        public double cost(TokenUsage usage) {
            return (usage.inputTokens() * inputPerMTok
                            + usage.outputTokens() * outputPerMTok
                            + usage.cacheReadTokens() * cacheReadPerMTok
                            + usage.cacheWriteTokens() * cacheWritePerMTok)
                    * PER_TOKEN;
        }
    }

    /** The vendors' list prices shipped with MeshFlow. */
    public static PriceTable defaults() {
        return DEFAULTS;
    }

    /** A table in which every model costs nothing, without warnings (local models such as Ollama's). */
    public static PriceTable free() {
        return FREE;
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder(DEFAULTS.prices);
    }

    /** A builder starting from this table. */
    public Builder toBuilder() {
        return new Builder(prices);
    }

    /** The price of {@code model}, if it is listed (by the matching rule above). */
    public Optional<ModelPrice> price(String model) {
        return resolved.computeIfAbsent(model, this::lookUp);
    }

    /**
     * What {@code usage} of {@code model} costs in US dollars; 0 for an unknown model (warned about once per model,
     * except in {@link #free()}).
     */
    public double cost(String model, TokenUsage usage) {
        Optional<ModelPrice> price = price(model);
        if (price.isPresent()) {
            return price.get().cost(usage);
        }
        if (this != FREE && WARNED.add(model)) {
            LOG.warn(
                    "no price is known for model '{}': its calls are recorded with cost 0; add it under the provider's"
                            + " 'prices:' settings",
                    model);
        }
        return 0;
    }

    /** The listed model names and their prices. */
    public Map<String, ModelPrice> asMap() {
        return prices;
    }

    private Optional<ModelPrice> lookUp(String model) {
        String best = "";
        ModelPrice bestPrice = null;
        for (Map.Entry<String, ModelPrice> entry : prices.entrySet()) {
            String name = entry.getKey();
            if (name.length() > best.length() && matches(model, name)) {
                best = name;
                bestPrice = entry.getValue();
            }
        }
        return Optional.ofNullable(bestPrice);
    }

    private static boolean matches(String model, String name) {
        int from = 0;
        while (true) {
            int at = model.indexOf(name, from);
            if (at < 0) {
                return false;
            }
            int end = at + name.length();
            boolean startOk = at == 0 || model.charAt(at - 1) == '.' || model.charAt(at - 1) == '/';
            boolean endOk = end == model.length() || "-:@".indexOf(model.charAt(end)) >= 0;
            if (startOk && endOk) {
                return true;
            }
            from = at + 1;
        }
    }

    private static PriceTable load() {
        String resource = "prices.csv";
        Map<String, ModelPrice> prices = new LinkedHashMap<>();
        try (InputStream in = Objects.requireNonNull(
                        PriceTable.class.getResourceAsStream(resource), "missing resource " + resource);
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#") || trimmed.startsWith("model,")) {
                    continue;
                }
                String[] cells = trimmed.split(",", -1);
                if (cells.length != 5) {
                    throw new IllegalStateException(resource + " line " + number + ": expected 5 cells, got " + line);
                }
                prices.put(
                        cells[0].strip(),
                        new ModelPrice(
                                Double.parseDouble(cells[1]),
                                Double.parseDouble(cells[2]),
                                Double.parseDouble(cells[3]),
                                Double.parseDouble(cells[4])));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new PriceTable(prices);
    }

    /** Builds a {@link PriceTable}: start from the defaults, then add or replace models. */
    public static final class Builder {
        private final Map<String, ModelPrice> prices;

        private Builder(Map<String, ModelPrice> start) {
            this.prices = new LinkedHashMap<>(start);
        }

        /** Sets the price of a model (replacing a listed one). */
        public Builder price(String model, ModelPrice price) {
            if (model.isBlank()) {
                throw new IllegalArgumentException("a priced model needs a name");
            }
            prices.put(model, price);
            return this;
        }

        /** Removes every listed model, for a table of one's own. */
        public Builder clear() {
            prices.clear();
            return this;
        }

        /** Returns the table. */
        public PriceTable build() {
            return new PriceTable(prices);
        }
    }

    /** For tests of the warning: forget which models were warned about. */
    static void forgetWarnings() {
        WARNED.clear();
    }

    @Override
    public String toString() {
        return "PriceTable" + prices.keySet();
    }
}
