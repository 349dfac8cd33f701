package io.meshflow.memory.minilm;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import io.meshflow.MeshFlowException;
import io.meshflow.ValidationException;
import io.meshflow.memory.EmbeddingProvider;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The all-MiniLM-L6-v2 sentence embedding model (quantized, 384 dimensions) run in-process with ONNX Runtime. The
 * model ships inside the jar: no download and no API key. Texts longer than the model's 256-token window are embedded
 * in parts and averaged.
 *
 * <p>Registered with {@link java.util.ServiceLoader}, so with this module on the class path it is what
 * {@link io.meshflow.memory.EmbeddingProviders#defaultProvider()} returns. The model is loaded on the first
 * {@link #embed} (about a second); thread-safe.
 */
public final class MiniLmEmbeddings implements EmbeddingProvider {
    /** The dimension of every vector. */
    public static final int DIMENSION = 384;

    private static final String CUDA_LOG = "org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils";

    private volatile @Nullable AllMiniLmL6V2QuantizedEmbeddingModel model;

    /** Creates the provider; the model is loaded on first use. */
    public MiniLmEmbeddings() {}

    /**
     * Embeds texts with the model.
     *
     * @throws ValidationException when a text is blank
     * @throws MeshFlowException when the model cannot be loaded or fails
     */
    @Override
    public List<float[]> embed(List<String> texts) {
        List<TextSegment> segments = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            if (text.isBlank()) {
                throw new ValidationException(
                        "text " + (i + 1) + " of " + texts.size() + " is blank; there is nothing to embed");
            }
            segments.add(TextSegment.from(text));
        }
        if (segments.isEmpty()) {
            return List.of();
        }
        List<Embedding> embeddings;
        try {
            embeddings = model().embedAll(segments).content();
        } catch (RuntimeException e) {
            throw new MeshFlowException("the MiniLM embedding model failed: " + e, e);
        }
        List<float[]> vectors = new ArrayList<>(embeddings.size());
        for (Embedding embedding : embeddings) {
            vectors.add(embedding.vector());
        }
        return vectors;
    }

    private AllMiniLmL6V2QuantizedEmbeddingModel model() {
        AllMiniLmL6V2QuantizedEmbeddingModel m = model;
        if (m == null) {
            synchronized (this) {
                m = model;
                if (m == null) {
                    // DJL's tokenizer warns on every start that it found no CUDA driver; the model runs on the
                    // CPU by design, so that warning is noise (slf4j-simple reads this property per logger)
                    if (System.getProperty(CUDA_LOG) == null) {
                        System.setProperty(CUDA_LOG, "error");
                    }
                    try {
                        m = new AllMiniLmL6V2QuantizedEmbeddingModel();
                    } catch (RuntimeException | LinkageError e) {
                        throw new MeshFlowException(
                                "cannot load the MiniLM embedding model (ONNX Runtime needs a 64-bit Linux, macOS or"
                                        + " Windows JVM, and on JDK 22+ --enable-native-access=ALL-UNNAMED): " + e,
                                e);
                    }
                    model = m;
                }
            }
        }
        return m;
    }

    @Override
    public int dimension() {
        return DIMENSION;
    }

    /** Returns {@code all-minilm-l6-v2-q}. */
    @Override
    public String modelName() {
        return "all-minilm-l6-v2-q";
    }
}
