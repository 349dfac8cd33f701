package io.meshflow.workflow.yaml;

import io.meshflow.ValidationException;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmProviderFactory;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.LlmResponse;
import io.meshflow.provider.TokenSink;
import java.util.Map;

/** A provider factory found through ServiceLoader (test resources), standing in for a vendor module. */
public final class EchoProviderFactory implements LlmProviderFactory {
    /** Created by ServiceLoader. */
    public EchoProviderFactory() {}

    @Override
    public String name() {
        return "echo-test";
    }

    @Override
    public LlmProvider create(Map<String, Object> settings) {
        Object prefix = settings.getOrDefault("prefix", "");
        if (!(prefix instanceof String text)) {
            throw new ValidationException("prefix must be text");
        }
        return new Echo(text, Map.copyOf(settings));
    }

    /** The created provider; keeps its settings so tests can see them. */
    record Echo(String prefix, Map<String, Object> settings) implements LlmProvider {
        @Override
        public String name() {
            return "echo-test";
        }

        @Override
        public LlmResponse complete(LlmRequest request) {
            throw new UnsupportedOperationException("not called in tests");
        }

        @Override
        public LlmResponse stream(LlmRequest request, TokenSink sink) {
            throw new UnsupportedOperationException("not called in tests");
        }
    }
}
