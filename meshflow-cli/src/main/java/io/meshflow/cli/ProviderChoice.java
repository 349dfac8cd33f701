package io.meshflow.cli;

import io.meshflow.ValidationException;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.Providers;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The provider chosen with {@code meshflow run --provider NAME [--provider-setting KEY=VALUE]... [--model M]}.
 *
 * @param name a provider name that a module on the class path registers
 * @param settings its settings from the command line: {@code true}/{@code false} become booleans, other values stay
 *     text (whole numbers given as text are read as numbers by the providers)
 * @param model the {@code --model}, or {@code null}
 */
record ProviderChoice(
        String name, Map<String, Object> settings, @Nullable String model) {
    /** Copies the settings. */
    ProviderChoice {
        settings = Map.copyOf(settings);
    }

    /**
     * Checks the name against the providers on the class path.
     *
     * @throws ValidationException naming the unknown provider and listing the available ones
     */
    static ProviderChoice of(String name, Map<String, String> rawSettings, @Nullable String model) {
        Set<String> available = Providers.available();
        if (!available.contains(name)) {
            throw new ValidationException(
                    "unknown provider '" + name + "' (--provider); available: " + String.join(", ", available));
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        rawSettings.forEach((key, value) -> settings.put(key, typed(value)));
        return new ProviderChoice(name, settings, model);
    }

    /**
     * Creates the provider, with {@code --model} as its default model.
     *
     * @throws ValidationException when a setting is missing or wrong, such as an API key whose variable is not set
     */
    LlmProvider create() {
        Map<String, Object> all = new LinkedHashMap<>(settings);
        if (model != null) {
            all.put("model", model);
        }
        return Providers.forName(name, all);
    }

    private static Object typed(String value) {
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> value;
        };
    }
}
