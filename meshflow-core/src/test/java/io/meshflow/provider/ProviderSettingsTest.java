package io.meshflow.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProviderSettingsTest {

    @Test
    void secret_comesFromTheSettingFirst_thenTheFirstVariableSet() {
        Map<String, String> env = Map.of("GEMINI_API_KEY", "from-gemini-var");

        assertThat(ProviderSettings.of("gemini", Map.of("api_key", "given"), env::get)
                        .secret("api_key", "GOOGLE_API_KEY", "GEMINI_API_KEY"))
                .isEqualTo("given");
        assertThat(ProviderSettings.of("gemini", Map.of(), env::get)
                        .secret("api_key", "GOOGLE_API_KEY", "GEMINI_API_KEY"))
                .isEqualTo("from-gemini-var");
    }

    @Test
    void missingSecret_namesTheVariablesToSet() {
        assertThatThrownBy(() ->
                        ProviderSettings.of("anthropic", Map.of(), name -> null).secret("api_key", "ANTHROPIC_API_KEY"))
                .isInstanceOf(ValidationException.class)
                .hasMessage("anthropic: no api key: set ANTHROPIC_API_KEY in the environment, or set 'api_key' in the"
                        + " provider's settings");
    }

    @Test
    void numbersAndUrls_areCheckedAndTyped() {
        ProviderSettings settings = ProviderSettings.of(
                "openai", Map.of("timeout_ms", 2500, "max_retries", "4", "base_url", "http://127.0.0.1:11434/v1"));

        assertThat(settings.timeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(settings.maxRetries()).isEqualTo(4);
        assertThat(settings.baseUrl()).contains(URI.create("http://127.0.0.1:11434/v1"));
        assertThat(ProviderSettings.of("openai", Map.of()).timeout())
                .isEqualTo(Duration.ofMillis(ProviderSettings.DEFAULT_TIMEOUT_MS));
    }

    @Test
    void badValues_areRefusedNamingProviderAndSetting() {
        assertThatThrownBy(() -> ProviderSettings.of("openai", Map.of("timeout_ms", "soon"))
                        .timeout())
                .hasMessage("openai: timeout_ms must be a whole number, got string 'soon'");
        assertThatThrownBy(() ->
                        ProviderSettings.of("openai", Map.of("max_retries", 99)).maxRetries())
                .hasMessage("openai: max_retries must be within 0..20, got 99");
        assertThatThrownBy(() -> ProviderSettings.of("openai", Map.of("base_url", "file:///etc/passwd"))
                        .baseUrl())
                .hasMessageContaining("base_url must be an absolute http(s) URL");
        assertThatThrownBy(
                        () -> ProviderSettings.of("openai", Map.of("model", 7)).string("model"))
                .hasMessage("openai: model must be text, got integer '7'");
    }

    @Test
    void unknownKeys_areListedWithTheKnownOnes() {
        assertThatThrownBy(() -> ProviderSettings.of("azure", Map.of("deployment", "d", "endpont", "x"))
                        .allowOnly(Set.of("deployment", "endpoint", "api_version")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("azure: unknown setting 'endpont'")
                .hasMessageContaining("known settings: api_key, api_version, base_url, deployment, endpoint");
    }
}
