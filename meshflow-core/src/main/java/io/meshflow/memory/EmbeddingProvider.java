package io.meshflow.memory;

import java.util.List;

/**
 * Turns texts into vectors whose cosine similarity reflects how related the texts are.
 *
 * <p>Implementations: {@link TfIdfEmbeddings} (built in, keyword-based), the in-process MiniLM model of module
 * {@code meshflow-embeddings-minilm}, and the remote OpenAI and Voyage models. {@link EmbeddingProviders#defaultProvider()}
 * picks the best one installed. Implementations are thread-safe.
 */
public interface EmbeddingProvider {
    /**
     * Embeds texts, one vector of {@link #dimension()} floats per text, in order.
     *
     * @throws io.meshflow.ValidationException when a text cannot be embedded (for example it is empty)
     * @throws io.meshflow.MeshFlowException when the model fails (remote providers: wrapped provider errors)
     */
    List<float[]> embed(List<String> texts);

    /** Embeds one text; see {@link #embed(List)}. */
    default float[] embed(String text) {
        return embed(List.of(text)).get(0);
    }

    /** The number of floats in every vector this provider returns. */
    int dimension();

    /** The model's name, such as {@code all-minilm-l6-v2-q}; stored with indexes so that a mismatch is detected. */
    String modelName();
}
