package io.meshflow.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import io.meshflow.provider.ProviderAuthenticationException;
import io.meshflow.provider.ProviderException;
import io.meshflow.testkit.EmbeddingsWire;
import io.meshflow.testkit.FakeLlmServer;
import io.meshflow.testkit.OpenAiWire;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenAiEmbeddingsTest {

    @Test
    void embed_postsTheTextsAsFloatRequest_andReturnsTheVectorsInOrder() throws Exception {
        try (FakeLlmServer server = FakeLlmServer.start()) {
            server.enqueue(FakeLlmServer.Reply.json(
                    200,
                    EmbeddingsWire.response(
                            "text-embedding-3-small",
                            List.of(new float[] {0.1f, 0.2f, 0.3f}, new float[] {1, 0, -1}))));
            OpenAiEmbeddings embeddings = OpenAiEmbeddings.builder()
                    .apiKey("sk-test")
                    .baseUrl(server.url("/v1"))
                    .dimensions(3)
                    .maxRetries(0)
                    .build();

            List<float[]> vectors = embeddings.embed(List.of("first text", "second text"));

            assertThat(vectors).hasSize(2);
            assertThat(vectors.get(0)).containsExactly(0.1f, 0.2f, 0.3f);
            assertThat(vectors.get(1)).containsExactly(1f, 0f, -1f);
            assertThat(embeddings.dimension()).isEqualTo(3);
            assertThat(embeddings.modelName()).isEqualTo("text-embedding-3-small");
            FakeLlmServer.RecordedRequest request = server.requests().get(0);
            assertThat(request.path()).isEqualTo("/v1/embeddings");
            assertThat(request.header("Authorization")).contains("Bearer sk-test");
            assertThat(request.json().get("model").asText()).isEqualTo("text-embedding-3-small");
            assertThat(request.json().get("input").toString()).isEqualTo("[\"first text\",\"second text\"]");
            assertThat(request.json().get("encoding_format").asText()).isEqualTo("float");
            assertThat(request.json().get("dimensions").asInt()).isEqualTo(3);
        }
    }

    @Test
    void wrongKey_isAnAuthenticationError_andWrongDimension_aProviderError() {
        try (FakeLlmServer server = FakeLlmServer.start()) {
            server.enqueue(FakeLlmServer.Reply.json(401, OpenAiWire.errorBody("invalid_api_key", "Incorrect API key")));
            server.enqueue(FakeLlmServer.Reply.json(
                    200, EmbeddingsWire.response("text-embedding-3-small", List.of(new float[] {1, 2}))));
            OpenAiEmbeddings embeddings = OpenAiEmbeddings.builder()
                    .apiKey("sk-wrong")
                    .baseUrl(server.url("/v1"))
                    .maxRetries(0)
                    .build();

            assertThatThrownBy(() -> embeddings.embed(List.of("x")))
                    .isInstanceOf(ProviderAuthenticationException.class)
                    .hasMessageContaining("OPENAI_API_KEY");
            assertThatThrownBy(() -> embeddings.embed(List.of("x")))
                    .isInstanceOf(ProviderException.class)
                    .hasMessageContaining("vector of dimension 2")
                    .hasMessageContaining("dimension 1536");
        }
        assertThatThrownBy(() -> OpenAiEmbeddings.builder().build())
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("API key");
    }
}
