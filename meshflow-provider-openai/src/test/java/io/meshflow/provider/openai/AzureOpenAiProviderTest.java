package io.meshflow.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import io.meshflow.provider.ChatMessage;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.LlmResponse;
import io.meshflow.provider.PriceTable;
import io.meshflow.provider.ProviderAuthenticationException;
import io.meshflow.provider.TokenUsage;
import io.meshflow.testkit.FakeLlmServer;
import io.meshflow.testkit.FakeLlmServer.Reply;
import io.meshflow.testkit.OpenAiWire;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AzureOpenAiProviderTest {
    private final FakeLlmServer server = FakeLlmServer.start();

    @AfterEach
    void stop() {
        server.close();
    }

    private static LlmRequest ask(String model) {
        return new LlmRequest("a", "s", model, "", List.of(ChatMessage.user("hi")), List.of(), 64, null);
    }

    @Test
    void stream_goesToTheDeploymentsPath_withApiVersionAndApiKeyHeader_andCostsTheAnsweringModel() throws Exception {
        server.enqueue(Reply.sse(OpenAiWire.completion("gpt-4o-2024-08-06")
                .text("Hi", " there")
                .usage(20, 2, 0)
                .events()));
        Map<String, String> env = Map.of(
                "AZURE_OPENAI_ENDPOINT", server.url(""),
                "AZURE_OPENAI_API_KEY", "azure-key",
                "AZURE_OPENAI_DEPLOYMENT", "prod-gpt4o");

        LlmProvider azure = new AzureOpenAiProviderFactory().create(Map.of("max_retries", 0), env::get);
        LlmResponse response = azure.stream(ask(""), chunk -> {});

        FakeLlmServer.RecordedRequest recorded = server.takeRequest(Duration.ofSeconds(5));
        assertThat(recorded.path()).isEqualTo("/openai/deployments/prod-gpt4o/chat/completions");
        assertThat(recorded.query()).isEqualTo("api-version=" + AzureOpenAiProvider.DEFAULT_API_VERSION);
        assertThat(recorded.header("api-key")).contains("azure-key");
        assertThat(recorded.header("authorization")).isEmpty();
        assertThat(azure.name()).isEqualTo("azure");
        assertThat(response.content()).isEqualTo("Hi there");
        assertThat(response.model()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(response.usage()).isEqualTo(TokenUsage.of(20, 2));
        assertThat(response.costUsd())
                .isEqualTo(PriceTable.defaults().cost("gpt-4o-2024-08-06", TokenUsage.of(20, 2)))
                .isPositive();
    }

    @Test
    void agentModel_isTheDeployment_andApiVersionCanBeSet() throws Exception {
        server.enqueue(Reply.sse(OpenAiWire.completion("gpt-4o-mini").text("ok").events()));
        AzureOpenAiProvider azure = AzureOpenAiProvider.builder()
                .endpoint(server.url("/"))
                .apiKey("k")
                .deployment("default-deployment")
                .apiVersion("2025-03-01-preview")
                .build();

        azure.stream(ask("mini-deployment"), chunk -> {});

        FakeLlmServer.RecordedRequest recorded = server.takeRequest(Duration.ofSeconds(5));
        assertThat(recorded.path()).isEqualTo("/openai/deployments/mini-deployment/chat/completions");
        assertThat(recorded.query()).isEqualTo("api-version=2025-03-01-preview");
    }

    @Test
    void unauthorized_namesTheAzureKeyVariable() {
        server.enqueue(Reply.json(
                401,
                "{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to invalid subscription key or wrong API"
                        + " endpoint.\"}}"));
        LlmProvider azure = new AzureOpenAiProviderFactory()
                .create(
                        Map.of("endpoint", server.url(""), "deployment", "d", "max_retries", 0),
                        Map.of("AZURE_OPENAI_API_KEY", "wrong")::get);

        assertThatThrownBy(() -> azure.stream(ask(""), chunk -> {}))
                .isInstanceOf(ProviderAuthenticationException.class)
                .hasMessageContaining("Access denied")
                .hasMessageContaining("AZURE_OPENAI_API_KEY");
    }

    @Test
    void factory_namesEachMissingSetting() {
        AzureOpenAiProviderFactory factory = new AzureOpenAiProviderFactory();

        assertThatThrownBy(() -> factory.create(Map.of(), name -> null))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("AZURE_OPENAI_ENDPOINT");
        assertThatThrownBy(() -> factory.create(Map.of("endpoint", "https://x.openai.azure.com"), name -> null))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("AZURE_OPENAI_DEPLOYMENT");
        assertThatThrownBy(() -> factory.create(
                        Map.of("endpoint", "https://x.openai.azure.com", "deployment", "d"), name -> null))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("AZURE_OPENAI_API_KEY");
        assertThatThrownBy(() -> factory.create(
                        Map.of(
                                "endpoint",
                                "https://x.openai.azure.com",
                                "deployment",
                                "d",
                                "api_key",
                                "k",
                                "api_version",
                                "latest"),
                        name -> null))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("apiVersion must look like");
    }
}
