package io.meshflow.provider.bedrock;

import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmProviderFactory;
import io.meshflow.provider.ProviderSettings;
import java.util.Map;

/**
 * Makes {@code bedrock} a provider name ({@code Providers.forName("bedrock", settings)}, {@code provider: bedrock} in a
 * workflow file): creates a {@link BedrockProvider} with {@link BedrockProvider#fromSettings}.
 */
public final class BedrockProviderFactory implements LlmProviderFactory {
    /** Creates the factory; {@link java.util.ServiceLoader} needs a public no-argument constructor. */
    public BedrockProviderFactory() {}

    @Override
    public String name() {
        return BedrockProvider.NAME;
    }

    @Override
    public LlmProvider create(Map<String, Object> settings) {
        return BedrockProvider.fromSettings(ProviderSettings.of(name(), settings));
    }
}
