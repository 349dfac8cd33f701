package io.meshflow.provider;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes {@code scripted} a provider name like the vendors' ({@link Providers#forName}): an offline
 * {@link ScriptedProvider} that answers with its {@code replies} in turn, then with {@code fallback}. Settings:
 * {@code replies} (list of texts), {@code fallback}, {@code repeat_last}, {@code token_delay_ms}, {@code model}.
 */
public final class ScriptedProviderFactory implements LlmProviderFactory {
    /** Creates the factory; {@link java.util.ServiceLoader} needs a public no-argument constructor. */
    public ScriptedProviderFactory() {}

    @Override
    public String name() {
        return "scripted";
    }

    @Override
    public LlmProvider create(Map<String, Object> values) {
        ProviderSettings settings = ProviderSettings.of(name(), values)
                .allowOnly(Set.of("replies", "fallback", "repeat_last", "token_delay_ms"));
        ScriptedProvider.Builder builder = ScriptedProvider.builder();
        settings.string("model").ifPresent(builder::model);
        settings.string("fallback").ifPresent(builder::fallback);
        Object replies = values.get("replies");
        if (replies != null) {
            if (!(replies instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
                throw settings.problem("replies must be a list of texts");
            }
            builder.replies(list.stream().map(String.class::cast).toArray(String[]::new));
        }
        Object repeat = values.get("repeat_last");
        if (repeat != null) {
            if (!(repeat instanceof Boolean flag)) {
                throw settings.problem("repeat_last must be true or false");
            }
            if (flag) {
                builder.repeatLastWhenExhausted();
            }
        }
        long delay = settings.integer("token_delay_ms", 0, 0, 60_000);
        if (delay > 0) {
            builder.tokenDelay(Duration.ofMillis(delay));
        }
        return builder.build();
    }
}
