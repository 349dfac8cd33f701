package io.meshflow.provider.gemini;

import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmProviderFactory;
import io.meshflow.provider.ProviderSettings;
import java.util.Map;

/**
 * Makes {@code gemini} a provider name ({@code Providers.forName("gemini", settings)}, {@code provider: gemini} in a
 * workflow file): creates a {@link GeminiProvider} with {@link GeminiProvider#fromSettings}.
 */
public final class GeminiProviderFactory implements LlmProviderFactory {
    /** Creates the factory; {@link java.util.ServiceLoader} needs a public no-argument constructor. */
    public GeminiProviderFactory() {}

    @Override
    public String name() {
        return GeminiProvider.NAME;
    }

    @Override
    public LlmProvider create(Map<String, Object> settings) {
        return GeminiProvider.fromSettings(ProviderSettings.of(name(), settings));
    }
}
