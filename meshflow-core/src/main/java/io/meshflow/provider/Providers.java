package io.meshflow.provider;

import io.meshflow.ValidationException;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Creates providers by name: {@code anthropic}, {@code openai}, {@code azure}, {@code ollama}, {@code gemini},
 * {@code bedrock}, {@code scripted} — whichever provider modules are on the classpath, found with
 * {@link ServiceLoader} ({@link LlmProviderFactory}).
 *
 * <pre>{@code
 * LlmProvider claude = Providers.forName("anthropic", Map.of("model", "claude-sonnet-4-5"));
 * }</pre>
 */
public final class Providers {
    private static final Map<List<Object>, LlmProvider> SHARED = new ConcurrentHashMap<>();

    private Providers() {}

    /**
     * As {@link #forName(String, Map)}, but returns the same provider for the same name and settings, so that agents
     * configured alike share one client (its connection pool and threads).
     */
    public static LlmProvider shared(String name, Map<String, ?> settings) {
        List<Object> key = List.of(name, Map.copyOf(settings));
        LlmProvider existing = SHARED.get(key);
        if (existing != null) {
            return existing;
        }
        // created outside computeIfAbsent: creation may throw, and may be slow (an SDK client); a lost race only
        // leaves one extra client to the garbage collector
        LlmProvider created = forName(name, settings);
        LlmProvider raced = SHARED.putIfAbsent(key, created);
        return raced == null ? created : raced;
    }

    /**
     * Creates the provider named {@code name} with {@code settings} (see {@link ProviderSettings} for the keys every
     * provider understands).
     *
     * @throws ValidationException when no module provides {@code name} (naming the module to add and the providers
     *     available), or when a setting is missing or malformed (such as an API key whose variable is not set)
     */
    public static LlmProvider forName(String name, Map<String, ?> settings) {
        return forName(name, settings, Providers.class.getClassLoader());
    }

    /** As {@link #forName(String, Map)}, looking for provider modules with {@code classLoader}. */
    public static LlmProvider forName(String name, Map<String, ?> settings, ClassLoader classLoader) {
        Map<String, LlmProviderFactory> factories = factories(classLoader);
        LlmProviderFactory factory = factories.get(name);
        if (factory == null) {
            throw new ValidationException("unknown provider '" + name + "': no LlmProviderFactory named '" + name
                    + "' is on the classpath (add its module, for example io.meshflow:meshflow-provider-" + name
                    + "); available: " + String.join(", ", factories.keySet()));
        }
        return factory.create(Map.copyOf(settings));
    }

    /** The names of the providers on the classpath, sorted. */
    public static Set<String> available() {
        return new TreeSet<>(factories(Providers.class.getClassLoader()).keySet());
    }

    /** The factories found with {@code classLoader}, by name; the first one found wins a name clash. */
    public static Map<String, LlmProviderFactory> factories(ClassLoader classLoader) {
        Map<String, LlmProviderFactory> factories = new TreeMap<>();
        ServiceLoader.load(LlmProviderFactory.class, classLoader)
                .forEach(factory -> factories.putIfAbsent(factory.name(), factory));
        return factories;
    }
}
