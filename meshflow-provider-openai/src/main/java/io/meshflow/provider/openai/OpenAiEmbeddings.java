package io.meshflow.provider.openai;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.OpenAIException;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.Embedding;
import com.openai.models.embeddings.EmbeddingCreateParams;
import io.meshflow.ValidationException;
import io.meshflow.memory.EmbeddingProvider;
import io.meshflow.provider.ProviderException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * OpenAI embeddings ({@code text-embedding-3-small} by default, 1536 dimensions) through OpenAI's official Java SDK;
 * also any OpenAI-compatible embeddings endpoint through {@link Builder#baseUrl}. Not installed as a default: pass it
 * to {@code Mesh.builder().embeddingProvider(..)} or a {@code DocumentStore}.
 *
 * <pre>{@code
 * EmbeddingProvider openai = OpenAiEmbeddings.builder().apiKey(System.getenv("OPENAI_API_KEY")).build();
 * }</pre>
 *
 * <p>Texts are sent in batches of up to 512 per request. Errors are wrapped as
 * {@link io.meshflow.provider.ProviderException} subtypes (authentication, rate limit, server). Thread-safe.
 */
public final class OpenAiEmbeddings implements EmbeddingProvider {
    /** The default model. */
    public static final String DEFAULT_MODEL = "text-embedding-3-small";

    private static final int BATCH = 512;

    private final OpenAIClient client;
    private final String model;
    private final int dimension;
    private final boolean sendDimensions;

    private OpenAiEmbeddings(Builder b, String apiKey) {
        OpenAIOkHttpClient.Builder sdk = OpenAIOkHttpClient.builder()
                .apiKey(apiKey)
                .maxRetries(b.maxRetries)
                .timeout(b.timeout);
        if (b.baseUrl != null) {
            sdk.baseUrl(b.baseUrl);
        }
        this.client = sdk.build();
        this.model = b.model;
        Integer given = b.dimensions;
        this.sendDimensions = given != null;
        this.dimension = given != null ? given : defaultDimension(b.model);
    }

    /** A builder with the defaults: {@value #DEFAULT_MODEL}, 2 retries, 60 s timeout. */
    public static Builder builder() {
        return new Builder();
    }

    private static int defaultDimension(String model) {
        return switch (model) {
            case "text-embedding-3-large" -> 3072;
            default -> 1536; // text-embedding-3-small, text-embedding-ada-002
        };
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
            List<String> batch = texts.subList(from, Math.min(texts.size(), from + BATCH));
            EmbeddingCreateParams.Builder params = EmbeddingCreateParams.builder()
                    .model(model)
                    .inputOfArrayOfStrings(batch)
                    .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT);
            if (sendDimensions) {
                params.dimensions(dimension);
            }
            CreateEmbeddingResponse response;
            try {
                response = client.embeddings().create(params.build());
            } catch (OpenAIException e) {
                throw OpenAiErrors.wrap("openai", e, OpenAiProvider.API_KEY_VARIABLE);
            }
            float[][] ordered = new float[batch.size()][];
            for (Embedding embedding : response.data()) {
                int index = (int) embedding.index();
                List<Float> values = embedding.embedding();
                if (index < 0 || index >= ordered.length || values.size() != dimension) {
                    throw new ProviderException(
                            "openai",
                            "the embeddings API returned a vector of dimension " + values.size() + " at index " + index
                                    + "; expected " + batch.size() + " vectors of dimension " + dimension);
                }
                float[] vector = new float[values.size()];
                for (int i = 0; i < vector.length; i++) {
                    vector[i] = values.get(i);
                }
                ordered[index] = vector;
            }
            for (int i = 0; i < ordered.length; i++) {
                float[] vector = ordered[i];
                if (vector == null) {
                    throw new ProviderException(
                            "openai", "the embeddings API returned no vector for text " + (from + i + 1));
                }
                vectors.add(vector);
            }
        }
        return vectors;
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public String modelName() {
        return model;
    }

    /** Configures {@link OpenAiEmbeddings}. */
    public static final class Builder {
        private @Nullable String apiKey;
        private @Nullable String baseUrl;
        private String model = DEFAULT_MODEL;
        private @Nullable Integer dimensions;
        private int maxRetries = 2;
        private Duration timeout = Duration.ofSeconds(60);

        private Builder() {}

        /** The API key (required; {@code OPENAI_API_KEY} by convention). */
        public Builder apiKey(String value) {
            this.apiKey = Objects.requireNonNull(value, "apiKey");
            return this;
        }

        /** The API root, such as {@code http://127.0.0.1:8080/v1} (default {@code https://api.openai.com/v1}). */
        public Builder baseUrl(String value) {
            this.baseUrl = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
            return this;
        }

        /** The model (default {@value #DEFAULT_MODEL}). */
        public Builder model(String value) {
            this.model = Objects.requireNonNull(value, "model");
            return this;
        }

        /** Shortened vectors ({@code text-embedding-3-*} only); default: the model's full dimension. */
        public Builder dimensions(int value) {
            if (value < 1) {
                throw new ValidationException("dimensions must be >= 1, got " + value);
            }
            this.dimensions = value;
            return this;
        }

        /** Retries after the first attempt on connection errors, 408, 409, 429 and 5xx (default 2). */
        public Builder maxRetries(int value) {
            this.maxRetries = value;
            return this;
        }

        /** The longest one attempt may take (default 60 s). */
        public Builder timeout(Duration value) {
            this.timeout = Objects.requireNonNull(value, "timeout");
            return this;
        }

        /**
         * Returns the provider.
         *
         * @throws ValidationException when no API key was given
         */
        public OpenAiEmbeddings build() {
            String key = apiKey;
            if (key == null || key.isBlank()) {
                throw new ValidationException("OpenAI embeddings need an API key: call apiKey(..), for example with"
                        + " the value of " + OpenAiProvider.API_KEY_VARIABLE);
            }
            return new OpenAiEmbeddings(this, key);
        }
    }
}
