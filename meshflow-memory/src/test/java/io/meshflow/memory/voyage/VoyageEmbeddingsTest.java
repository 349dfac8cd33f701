package io.meshflow.memory.voyage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.provider.ProviderAuthenticationException;
import io.meshflow.provider.ProviderRateLimitException;
import io.meshflow.provider.ProviderServerException;
import io.meshflow.testkit.EmbeddingsWire;
import io.meshflow.testkit.FakeLlmServer;
import java.util.List;
import org.junit.jupiter.api.Test;

class VoyageEmbeddingsTest {

    @Test
    void embed_postsInputModelAndType_andReturnsTheVectorsInOrder() {
        try (FakeLlmServer server = FakeLlmServer.start()) {
            server.enqueue(FakeLlmServer.Reply.json(
                    200, EmbeddingsWire.response("voyage-3", List.of(new float[] {0.5f, -0.5f}, new float[] {0, 1}))));
            VoyageEmbeddings voyage = VoyageEmbeddings.builder()
                    .apiKey("pa-test")
                    .baseUrl(server.url("/v1"))
                    .model("voyage-3", 2)
                    .inputType("document")
                    .build();

            List<float[]> vectors = voyage.embed(List.of("alpha", "beta"));

            assertThat(vectors.get(0)).containsExactly(0.5f, -0.5f);
            assertThat(vectors.get(1)).containsExactly(0f, 1f);
            FakeLlmServer.RecordedRequest request = server.requests().get(0);
            assertThat(request.path()).isEqualTo("/v1/embeddings");
            assertThat(request.header("Authorization")).contains("Bearer pa-test");
            assertThat(request.json().toString())
                    .isEqualTo("{\"input\":[\"alpha\",\"beta\"],\"model\":\"voyage-3\",\"input_type\":\"document\"}");
        }
    }

    @Test
    void errors_areMappedToProviderExceptions() {
        try (FakeLlmServer server = FakeLlmServer.start()) {
            server.enqueue(FakeLlmServer.Reply.json(401, "{\"detail\":\"Provided API key is invalid.\"}"));
            server.enqueue(FakeLlmServer.Reply.json(429, "{\"detail\":\"slow down\"}"));
            server.enqueue(FakeLlmServer.Reply.json(503, "{\"detail\":\"overloaded\"}"));
            server.enqueue(FakeLlmServer.Reply.json(200, EmbeddingsWire.response("voyage-3", List.of(new float[3]))));
            VoyageEmbeddings voyage = VoyageEmbeddings.builder()
                    .apiKey("pa-test")
                    .baseUrl(server.url("/v1"))
                    .build();

            assertThatThrownBy(() -> voyage.embed(List.of("x")))
                    .isInstanceOf(ProviderAuthenticationException.class)
                    .hasMessageContaining("Provided API key is invalid.");
            assertThatThrownBy(() -> voyage.embed(List.of("x")))
                    .isInstanceOf(ProviderRateLimitException.class)
                    .hasMessageContaining("slow down");
            assertThatThrownBy(() -> voyage.embed(List.of("x")))
                    .isInstanceOf(ProviderServerException.class)
                    .hasMessageContaining("overloaded");
            assertThatThrownBy(() -> voyage.embed(List.of("x")))
                    .hasMessageContaining("vector of dimension 3")
                    .hasMessageContaining("dimension 1024");
        }
    }
}
