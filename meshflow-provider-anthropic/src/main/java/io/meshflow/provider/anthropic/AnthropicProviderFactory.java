package io.meshflow.provider.anthropic;

import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmProviderFactory;
import io.meshflow.provider.ProviderSettings;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The {@code anthropic} provider for workflow files, {@code Providers.forName} and the CLI. Settings: {@code model}
 * (default {@value AnthropicProvider#DEFAULT_MODEL}), {@code api_key} (default: {@code ANTHROPIC_API_KEY}),
 * {@code base_url} (default: {@code ANTHROPIC_BASE_URL}, else {@code https://api.anthropic.com}), {@code timeout_ms},
 * {@code max_retries} and {@code prices}.
 */
public final class AnthropicProviderFactory implements LlmProviderFactory {
    /** The variable {@code base_url} falls back to. */
    public static final String BASE_URL_VARIABLE = "ANTHROPIC_BASE_URL";

    /** Creates the factory; {@link java.util.ServiceLoader} needs a public no-argument constructor. */
    public AnthropicProviderFactory() {}

    @Override
    public String name() {
        return "anthropic";
    }

    @Override
    public LlmProvider create(Map<String, Object> settings) {
        return create(ProviderSettings.of(name(), settings));
    }

    /** As {@link #create(Map)}, reading environment variables with {@code env} (tests, or secrets kept elsewhere). */
    public LlmProvider create(Map<String, Object> settings, Function<String, @Nullable String> env) {
        return create(ProviderSettings.of(name(), settings, env));
    }

    private static AnthropicProvider create(ProviderSettings settings) {
        settings.allowOnly(Set.of());
        AnthropicProvider.Builder builder = AnthropicProvider.builder()
                .apiKey(settings.secret("api_key", AnthropicProvider.API_KEY_VARIABLE))
                .model(settings.model(AnthropicProvider.DEFAULT_MODEL))
                .maxRetries(settings.maxRetries())
                .timeout(settings.timeout())
                .prices(settings.prices())
                .keyHint(
                        settings.values().containsKey("api_key")
                                ? "the 'api_key' setting of provider 'anthropic'"
                                : AnthropicProvider.API_KEY_VARIABLE);
        settings.baseUrl(BASE_URL_VARIABLE).ifPresent(url -> builder.baseUrl(url.toString()));
        return builder.build();
    }
}
