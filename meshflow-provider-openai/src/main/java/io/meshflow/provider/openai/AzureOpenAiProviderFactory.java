package io.meshflow.provider.openai;

import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmProviderFactory;
import io.meshflow.provider.ProviderSettings;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The {@code azure} provider (Azure OpenAI). Settings: {@code endpoint} (default: {@code AZURE_OPENAI_ENDPOINT};
 * {@code base_url} is accepted as a synonym), {@code api_key} (default: {@code AZURE_OPENAI_API_KEY}),
 * {@code deployment} (default: {@code AZURE_OPENAI_DEPLOYMENT}, else {@code model}), {@code api_version} (default:
 * {@code AZURE_OPENAI_API_VERSION}, else {@value AzureOpenAiProvider#DEFAULT_API_VERSION}),
 * {@code max_tokens_field}, {@code timeout_ms}, {@code max_retries} and {@code prices}.
 */
public final class AzureOpenAiProviderFactory implements LlmProviderFactory {
    /** Creates the factory; {@link java.util.ServiceLoader} needs a public no-argument constructor. */
    public AzureOpenAiProviderFactory() {}

    @Override
    public String name() {
        return "azure";
    }

    @Override
    public LlmProvider create(Map<String, Object> settings) {
        return create(settings, System::getenv);
    }

    /** As {@link #create(Map)}, reading environment variables with {@code env}. */
    public LlmProvider create(Map<String, Object> values, Function<String, @Nullable String> env) {
        ProviderSettings settings = ProviderSettings.of(name(), values, env)
                .allowOnly(Set.of("endpoint", "deployment", "api_version", "max_tokens_field"));
        String endpoint = settings.string("endpoint")
                .or(() -> settings.baseUrl("AZURE_OPENAI_ENDPOINT").map(Object::toString))
                .orElseThrow(() -> settings.problem("no endpoint: set AZURE_OPENAI_ENDPOINT in the environment, or"
                        + " set 'endpoint' in the provider's settings (such as https://my-resource.openai.azure.com)"));
        String deployment = settings.stringOrEnv("deployment", "AZURE_OPENAI_DEPLOYMENT")
                .or(() -> settings.string("model"))
                .orElseThrow(() -> settings.problem("no deployment: set AZURE_OPENAI_DEPLOYMENT in the environment,"
                        + " or set 'deployment' (or 'model') in the provider's settings, or give agents a model"));
        AzureOpenAiProvider.Builder builder = AzureOpenAiProvider.builder()
                .apiKey(settings.secret("api_key", AzureOpenAiProvider.API_KEY_VARIABLE))
                .deployment(deployment)
                .maxRetries(settings.maxRetries())
                .timeout(settings.timeout())
                .prices(settings.prices())
                .keyHint(
                        values.containsKey("api_key")
                                ? "the 'api_key' setting of provider 'azure'"
                                : AzureOpenAiProvider.API_KEY_VARIABLE)
                .maxTokensField(OpenAiProviderFactory.maxTokensField(settings, MaxTokensField.MAX_COMPLETION_TOKENS));
        try {
            builder.endpoint(endpoint);
            settings.stringOrEnv("api_version", "AZURE_OPENAI_API_VERSION").ifPresent(builder::apiVersion);
        } catch (IllegalArgumentException e) {
            throw settings.problem(String.valueOf(e.getMessage()));
        }
        return builder.build();
    }
}
