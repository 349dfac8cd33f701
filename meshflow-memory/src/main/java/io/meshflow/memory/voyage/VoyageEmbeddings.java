package io.meshflow.memory.voyage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshflow.ValidationException;
import io.meshflow.json.MeshJson;
import io.meshflow.memory.EmbeddingProvider;
import io.meshflow.provider.ProviderException;
import io.meshflow.provider.ProviderRateLimitException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Voyage AI embeddings ({@code voyage-3} by default, 1024 dimensions) over HTTP ({@code POST /v1/embeddings}) with
 * the JDK's client. Not installed as a default: pass it to {@code Mesh.builder().embeddingProvider(..)} or a
 * {@code DocumentStore}.
 *
 * <pre>{@code
 * EmbeddingProvider voyage = VoyageEmbeddings.builder().apiKey(System.getenv("VOYAGE_API_KEY")).build();
 * }</pre>
 *
 * <p>Texts are sent in batches of up to 128 per request; errors become {@link ProviderException} subtypes
 * (authentication, rate limit, server). Thread-safe.
 */
public final class VoyageEmbeddings implements EmbeddingProvider {
    /** The environment variable holding the API key, by convention. */
    public static final String API_KEY_VARIABLE = "VOYAGE_API_KEY";

    /** The default model. */
    public static final String DEFAULT_MODEL = "voyage-3";

    private static final int BATCH = 128;

    private final HttpClient http;
    private final URI endpoint;
    private final String apiKey;
    private final String model;
    private final int dimension;
    private final @Nullable String inputType;
    private final Duration timeout;

    private VoyageEmbeddings(Builder b, String apiKey) {
        this.http = HttpClient.newBuilder().connectTimeout(b.timeout).build();
        this.endpoint = URI.create(b.baseUrl + "/embeddings");
        this.apiKey = apiKey;
        this.model = b.model;
        this.dimension = b.dimension;
        this.inputType = b.inputType;
        this.timeout = b.timeout;
    }

    /** A builder with the defaults: {@value #DEFAULT_MODEL} (1024 dimensions), {@code https://api.voyageai.com/v1}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Embeds texts, in order.
     *
     * @throws ValidationException when a text is blank
     * @throws ProviderException when the API refuses or fails, or returns vectors of another dimension
     */
    @Override
    public List<float[]> embed(List<String> texts) {
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i).isBlank()) {
                throw new ValidationException(
                        "text " + (i + 1) + " of " + texts.size() + " is blank; there is nothing to embed");
            }
        }
        List<float[]> vectors = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += BATCH) {
            vectors.addAll(call(texts.subList(from, Math.min(texts.size(), from + BATCH))));
        }
        return vectors;
    }

    private List<float[]> call(List<String> batch) {
        ObjectNode body = MeshJson.mapper().createObjectNode();
        batch.forEach(body.putArray("input")::add);
        body.put("model", model);
        if (inputType != null) {
            body.put("input_type", inputType);
        }
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(timeout)
                .header("Authorization", "Bearer " + apiKey)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ProviderException("voyage", "the connection to " + endpoint + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException("voyage", "interrupted while waiting for the embeddings API", e);
        }
        int status = response.statusCode();
        if (status == 429) {
            throw new ProviderRateLimitException(
                    "voyage", "rate limited (HTTP 429): " + detail(response.body()), null, null);
        }
        if (status / 100 != 2) {
            throw ProviderException.forHttpStatus("voyage", status, detail(response.body()), API_KEY_VARIABLE, null);
        }
        JsonNode data = MeshJson.parse(response.body()).path("data");
        float[][] ordered = new float[batch.size()][];
        for (JsonNode item : data) {
            int index = item.path("index").asInt(-1);
            JsonNode values = item.path("embedding");
            if (index < 0 || index >= ordered.length || values.size() != dimension) {
                throw new ProviderException(
                        "voyage",
                        "the embeddings API returned a vector of dimension "
                                + values.size() + " at index " + index + "; expected " + batch.size()
                                + " vectors of dimension " + dimension
                                + " (set dimension(..) for models other than voyage-3)");
            }
            float[] vector = new float[values.size()];
            for (int i = 0; i < vector.length; i++) {
                vector[i] = (float) values.get(i).asDouble();
            }
            ordered[index] = vector;
        }
        List<float[]> vectors = new ArrayList<>(ordered.length);
        for (int i = 0; i < ordered.length; i++) {
            float[] vector = ordered[i];
            if (vector == null) {
                throw new ProviderException("voyage", "the embeddings API returned no vector for text " + (i + 1));
            }
            vectors.add(vector);
        }
        return vectors;
    }

    private static String detail(String body) {
        try {
            JsonNode json = MeshJson.parse(body);
            String detail = json.path("detail")
                    .asText(json.path("error").path("message").asText(""));
            return detail.isEmpty() ? body : detail;
        } catch (RuntimeException e) {
            return body.length() > 200 ? body.substring(0, 200) + "..." : body;
        }
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public String modelName() {
        return model;
    }

    /** Configures {@link VoyageEmbeddings}. */
    public static final class Builder {
        private @Nullable String apiKey;
        private String baseUrl = "https://api.voyageai.com/v1";
        private String model = DEFAULT_MODEL;
        private int dimension = 1024;
        private @Nullable String inputType;
        private Duration timeout = Duration.ofSeconds(60);

        private Builder() {}

        /** The API key (required; {@value #API_KEY_VARIABLE} by convention). */
        public Builder apiKey(String value) {
            this.apiKey = Objects.requireNonNull(value, "apiKey");
            return this;
        }

        /** The API root (default {@code https://api.voyageai.com/v1}). */
        public Builder baseUrl(String value) {
            this.baseUrl = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
            return this;
        }

        /** The model and the dimension of its vectors (default {@value #DEFAULT_MODEL}, 1024). */
        public Builder model(String name, int dimension) {
            if (dimension < 1) {
                throw new ValidationException("dimension must be >= 1, got " + dimension);
            }
            this.model = Objects.requireNonNull(name, "model");
            this.dimension = dimension;
            return this;
        }

        /** Voyage's {@code input_type}, {@code query} or {@code document}; default none. */
        public Builder inputType(String value) {
            this.inputType = Objects.requireNonNull(value, "inputType");
            return this;
        }

        /** The longest one request may take (default 60 s). */
        public Builder timeout(Duration value) {
            this.timeout = Objects.requireNonNull(value, "timeout");
            return this;
        }

        /**
         * Returns the provider.
         *
         * @throws ValidationException when no API key was given
         */
        public VoyageEmbeddings build() {
            String key = apiKey;
            if (key == null || key.isBlank()) {
                throw new ValidationException(
                        "Voyage embeddings need an API key: call apiKey(..), for example with $" + API_KEY_VARIABLE);
            }
            return new VoyageEmbeddings(this, key);
        }
    }
}
