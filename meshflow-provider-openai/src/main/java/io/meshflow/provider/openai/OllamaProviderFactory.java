package io.meshflow.provider.openai;

import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmProviderFactory;
import io.meshflow.provider.PriceTable;
import io.meshflow.provider.ProviderSettings;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The {@code ollama} provider: a local Ollama server through its OpenAI-compatible API, with the {@link OpenAiProvider}.
 * Settings: {@code model} (default {@value #DEFAULT_MODEL}), {@code base_url} (default: {@code OLLAMA_BASE_URL}, else
 * {@value #DEFAULT_BASE_URL}), {@code api_key} (not needed; {@code OLLAMA_API_KEY} when a proxy in front wants one),
 * {@code max_tokens_field} (default {@code max_tokens}), {@code timeout_ms}, {@code max_retries} and {@code prices}
 * (default: every model free, {@link PriceTable#free()}).
 */
public final class OllamaProviderFactory implements LlmProviderFactory {
    /** Where Ollama listens by default. */
    public static final String DEFAULT_BASE_URL = "http://127.0.0.1:11434/v1";

    /** The model used when neither the request nor the settings name one. */
    public static final String DEFAULT_MODEL = "llama3.2";

    /** Creates the factory; {@link java.util.ServiceLoader} needs a public no-argument constructor. */
    public OllamaProviderFactory() {}

    @Override
    public String name() {
        return "ollama";
    }

    @Override
    public LlmProvider create(Map<String, Object> settings) {
        return create(settings, System::getenv);
    }

    /** As {@link #create(Map)}, reading environment variables with {@code env}. */
    public LlmProvider create(Map<String, Object> values, Function<String, @Nullable String> env) {
        ProviderSettings settings = ProviderSettings.of(name(), values, env).allowOnly(Set.of("max_tokens_field"));
        return OpenAiProvider.builder()
                .name("ollama")
                // Ollama ignores the key, but the SDK sends one on every request
                .apiKey(settings.stringOrEnv("api_key", "OLLAMA_API_KEY").orElse("ollama"))
                .baseUrl(settings.baseUrl("OLLAMA_BASE_URL")
                        .map(Object::toString)
                        .orElse(DEFAULT_BASE_URL))
                .model(settings.model(DEFAULT_MODEL))
                .maxRetries(settings.maxRetries())
                .timeout(settings.timeout())
                .prices(settings.prices(PriceTable.free()))
                .keyHint("the 'api_key' setting or OLLAMA_API_KEY (Ollama itself needs no key)")
                .maxTokensField(OpenAiProviderFactory.maxTokensField(settings, MaxTokensField.MAX_TOKENS))
                .build();
    }
}
