package io.meshflow.memory;

import io.meshflow.MeshFlowException;
import java.util.Iterator;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;

/**
 * Finds the default {@link EmbeddingProvider}: the first one installed with {@link ServiceLoader} (module
 * {@code meshflow-embeddings-minilm} registers its in-process model), else a new {@link TfIdfEmbeddings}.
 */
public final class EmbeddingProviders {
    private static final Object LOCK = new Object();
    private static @Nullable EmbeddingProvider installed;
    private static boolean searched;

    private EmbeddingProviders() {}

    /**
     * The installed provider, shared (models are expensive to load), or a new {@link TfIdfEmbeddings} when none is
     * installed (TF-IDF keeps per-corpus statistics, so it is never shared).
     */
    public static EmbeddingProvider defaultProvider() {
        EmbeddingProvider found = installedProvider();
        return found != null ? found : new TfIdfEmbeddings();
    }

    /** The provider registered with {@link ServiceLoader}, or {@code null} when none is on the class path. */
    public static @Nullable EmbeddingProvider installedProvider() {
        synchronized (LOCK) {
            if (!searched) {
                searched = true;
                try {
                    Iterator<EmbeddingProvider> providers =
                            ServiceLoader.load(EmbeddingProvider.class).iterator();
                    if (providers.hasNext()) {
                        installed = providers.next();
                    }
                } catch (ServiceConfigurationError e) {
                    searched = false;
                    throw new MeshFlowException("cannot load the installed embedding provider: " + e.getMessage(), e);
                }
            }
            return installed;
        }
    }
}
