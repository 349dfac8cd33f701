package io.meshflow.provider;

import java.util.Map;

/**
 * Creates providers named in configuration ({@code provider: anthropic} in a workflow file). Provider modules register
 * an implementation with {@link java.util.ServiceLoader} under {@code META-INF/services/io.meshflow.provider.LlmProviderFactory}.
 */
public interface LlmProviderFactory {
    /** The name used in configuration, such as {@code anthropic}. */
    String name();

    /**
     * Creates a provider.
     *
     * @param settings settings from the workflow file (keys in snake_case); secrets come from the environment
     * @throws io.meshflow.ValidationException when a setting is missing or malformed
     */
    LlmProvider create(Map<String, Object> settings);
}
