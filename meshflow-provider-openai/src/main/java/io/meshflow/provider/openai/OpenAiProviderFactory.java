package io.meshflow.provider.openai;

import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmProviderFactory;
import io.meshflow.provider.ProviderSettings;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The {@code openai} provider for workflow files, {@code Providers.forName} and the CLI. Settings: {@code model}
 * (default {@value OpenAiProvider#DEFAULT_MODEL}), {@code api_key} (default: {@code OPENAI_API_KEY}), {@code base_url}
 * (default: {@code OPENAI_BASE_URL}, else {@code https://api.openai.com/v1}; any OpenAI-compatible server),
 * {@code organization} ({@code OPENAI_ORG_ID}), {@code project} ({@code OPENAI_PROJECT_ID}),
 * {@code max_tokens_field} ({@code max_completion_tokens} or {@code max_tokens}), {@code timeout_ms},
 * {@code max_retries} and {@code prices}.
 */
public final class OpenAiProviderFactory implements LlmProviderFactory {
    /** The variable {@code base_url} falls back to. */
    public static final String BASE_URL_VARIABLE = "OPENAI_BASE_URL";

    /** Creates the factory; {@link java.util.ServiceLoader} needs a public no-argument constructor. */
    public OpenAiProviderFactory() {}

    @Override
    public String name() {
        return "openai";
    }

    @Override
    public LlmProvider create(Map<String, Object> settings) {
        return create(settings, System::getenv);
    }

    /** As {@link #create(Map)}, reading environment variables with {@code env} (tests, or secrets kept elsewhere). */
    public LlmProvider create(Map<String, Object> values, Function<String, @Nullable String> env) {
        ProviderSettings settings = ProviderSettings.of(name(), values, env)
                .allowOnly(Set.of("organization", "project", "max_tokens_field"));
        OpenAiProvider.Builder builder = OpenAiProvider.builder()
                .apiKey(settings.secret("api_key", OpenAiProvider.API_KEY_VARIABLE))
                .model(settings.model(OpenAiProvider.DEFAULT_MODEL))
                .maxRetries(settings.maxRetries())
                .timeout(settings.timeout())
                .prices(settings.prices())
                .keyHint(
                        values.containsKey("api_key")
                                ? "the 'api_key' setting of provider 'openai'"
                                : OpenAiProvider.API_KEY_VARIABLE);
        settings.baseUrl(BASE_URL_VARIABLE).ifPresent(url -> builder.baseUrl(url.toString()));
        settings.stringOrEnv("organization", "OPENAI_ORG_ID").ifPresent(builder::organization);
        settings.stringOrEnv("project", "OPENAI_PROJECT_ID").ifPresent(builder::project);
        builder.maxTokensField(maxTokensField(settings, MaxTokensField.MAX_COMPLETION_TOKENS));
        return builder.build();
    }

    static MaxTokensField maxTokensField(ProviderSettings settings, MaxTokensField fallback) {
        String value = settings.string("max_tokens_field").orElse(null);
        if (value == null) {
            return fallback;
        }
        try {
            return MaxTokensField.of(value);
        } catch (IllegalArgumentException e) {
            throw settings.problem(String.valueOf(e.getMessage()));
        }
    }
}
