package io.meshflow.rag;

import io.meshflow.MeshFlowException;
import io.meshflow.ValidationException;
import io.meshflow.memory.EmbeddingProvider;
import io.meshflow.memory.EmbeddingProviders;
import io.meshflow.memory.InMemoryVectorIndex;
import io.meshflow.memory.KnowledgeBase;
import io.meshflow.memory.RetrievedChunk;
import io.meshflow.memory.VectorIndex;
import io.meshflow.memory.VectorMatch;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * Documents chunked, embedded and indexed for retrieval by meaning.
 *
 * <pre>{@code
 * DocumentStore docs = DocumentStore.inMemory(EmbeddingProviders.defaultProvider());
 * docs.ingest(Documents.read(List.of(Path.of("handbook/"))), Map.of("team", "support"));
 * List<RetrievedChunk> hits = docs.retrieve("how do refunds work?", 5);
 * }</pre>
 *
 * <p>One store is one collection of one tenant: give each tenant its own store (for pgvector, its own
 * {@code PgVectorIndex}). Thread-safe when its index is.
 */
public final class DocumentStore implements KnowledgeBase {
    /** Chunks returned when no {@code topK} is given. */
    public static final int DEFAULT_TOP_K = 5;

    private static final String TEXT = "_text";
    private static final String SOURCE = "_source";
    private static final String START = "_start";
    private static final String END = "_end";
    private static final int BATCH = 32;

    private final EmbeddingProvider embeddings;
    private final VectorIndex index;
    private final Chunker chunker;

    private DocumentStore(EmbeddingProvider embeddings, VectorIndex index, Chunker chunker) {
        if (index.dimension() != embeddings.dimension()) {
            throw new ValidationException("the index holds " + index.dimension() + "-dimensional vectors, but "
                    + embeddings.modelName() + " makes " + embeddings.dimension() + "-dimensional ones");
        }
        this.embeddings = embeddings;
        this.index = index;
        this.chunker = chunker;
    }

    /** A store in an {@link InMemoryVectorIndex}, chunking with {@link Chunker#sentenceBoundary(int) sentences of 512}. */
    public static DocumentStore inMemory(EmbeddingProvider embeddings) {
        return create(embeddings, new InMemoryVectorIndex(embeddings.dimension(), "document store"));
    }

    /** A store over a given index, chunking with {@link Chunker#sentenceBoundary(int) sentences of 512}. */
    public static DocumentStore create(EmbeddingProvider embeddings, VectorIndex index) {
        return create(embeddings, index, Chunker.sentenceBoundary(512));
    }

    /**
     * A store over a given index with a given chunker.
     *
     * @throws ValidationException when the index's dimension is not the provider's
     */
    public static DocumentStore create(EmbeddingProvider embeddings, VectorIndex index, Chunker chunker) {
        return new DocumentStore(
                Objects.requireNonNull(embeddings, "embeddings"),
                Objects.requireNonNull(index, "index"),
                Objects.requireNonNull(chunker, "chunker"));
    }

    /** The embedding provider. */
    public EmbeddingProvider embeddings() {
        return embeddings;
    }

    /** The index. */
    public VectorIndex index() {
        return index;
    }

    /** Ingests documents with no extra metadata; see {@link #ingest(List, Map)}. */
    public int ingest(List<Document> documents) {
        return ingest(documents, Map.of());
    }

    /**
     * Chunks, embeds and indexes documents. A chunk's id is its source and position, so ingesting a document again
     * replaces its chunks.
     *
     * @param metadata pairs stored with every chunk, besides each document's own
     * @return how many chunks were indexed
     * @throws ValidationException when there are no documents, or one has no text
     */
    public int ingest(List<Document> documents, Map<String, String> metadata) {
        if (documents.isEmpty()) {
            throw new ValidationException("no documents to ingest");
        }
        for (String key : metadata.keySet()) {
            if (key.startsWith("_")) {
                throw new ValidationException("metadata key '" + key + "' is reserved (keys starting with _ are)");
            }
        }
        record Piece(String id, Chunk chunk, Map<String, String> meta) {}
        List<Piece> pieces = new ArrayList<>();
        Map<String, Integer> chunksPerSource = new HashMap<>();
        for (Document doc : documents) {
            if (doc.text().isBlank()) {
                throw new ValidationException("document '" + doc.source() + "' has no text to ingest"
                        + (doc.source().toLowerCase(java.util.Locale.ROOT).endsWith(".pdf")
                                ? " (a PDF of scanned images has no text layer)"
                                : ""));
            }
            List<Chunk> chunks = chunker.split(doc.text());
            for (int i = 0; i < chunks.size(); i++) {
                Chunk chunk = chunks.get(i);
                Map<String, String> meta = new HashMap<>(doc.metadata());
                meta.putAll(metadata);
                meta.put(TEXT, chunk.text());
                meta.put(SOURCE, doc.source());
                meta.put(START, Integer.toString(chunk.start()));
                meta.put(END, Integer.toString(chunk.end()));
                pieces.add(new Piece(doc.source() + "#" + i, chunk, meta));
            }
            chunksPerSource.merge(doc.source(), chunks.size(), Math::max);
        }
        for (int from = 0; from < pieces.size(); from += BATCH) {
            List<Piece> batch = pieces.subList(from, Math.min(pieces.size(), from + BATCH));
            List<float[]> vectors =
                    embeddings.embed(batch.stream().map(p -> p.chunk().text()).toList());
            for (int i = 0; i < batch.size(); i++) {
                index.add(batch.get(i).id(), vectors.get(i), batch.get(i).meta());
            }
        }
        // a document ingested again with fewer chunks leaves none of its old ones behind: its chunk ids were
        // contiguous from 0, so they are removed from its new count up to the first that is not there
        chunksPerSource.forEach((source, count) -> {
            for (int i = count; index.delete(source + "#" + i); i++) {
                // removed a stale chunk
            }
        });
        return pieces.size();
    }

    /** The {@value #DEFAULT_TOP_K} chunks most relevant to a query. */
    public List<RetrievedChunk> retrieve(String query) {
        return retrieve(query, DEFAULT_TOP_K);
    }

    /** The {@code topK} chunks most relevant to a query, best first. */
    @Override
    public List<RetrievedChunk> retrieve(String query, int topK) {
        return retrieve(query, topK, Map.of());
    }

    /**
     * The {@code topK} chunks most relevant to a query among those whose metadata has every pair of {@code filter}.
     *
     * @throws ValidationException when the query is blank or {@code topK} is negative
     */
    public List<RetrievedChunk> retrieve(String query, int topK, Map<String, String> filter) {
        if (query.isBlank()) {
            throw new ValidationException("cannot retrieve for a blank query");
        }
        List<RetrievedChunk> found = new ArrayList<>();
        for (VectorMatch match : index.search(embeddings.embed(query), topK, filter)) {
            Map<String, String> meta = new LinkedHashMap<>(match.metadata());
            String text = meta.remove(TEXT);
            String source = meta.remove(SOURCE);
            String start = meta.remove(START);
            String end = meta.remove(END);
            found.add(new RetrievedChunk(
                    text == null ? "" : text,
                    match.score(),
                    source == null ? match.id() : source,
                    start == null ? 0 : Integer.parseInt(start),
                    end == null ? 0 : Integer.parseInt(end),
                    meta));
        }
        return found;
    }

    /**
     * Saves an in-memory store as {@code <file>} plus {@code <file>.properties} naming the embedding model.
     *
     * @throws ValidationException when the index is not an {@link InMemoryVectorIndex}
     */
    public void save(Path file) {
        if (!(index instanceof InMemoryVectorIndex memory)) {
            throw new ValidationException("only an in-memory document store is saved to a file; "
                    + index.getClass().getSimpleName() + " keeps its own data");
        }
        memory.save(file);
        Properties header = new Properties();
        header.setProperty("model", embeddings.modelName());
        header.setProperty("dimension", Integer.toString(embeddings.dimension()));
        try (Writer out = Files.newBufferedWriter(sidecar(file), StandardCharsets.UTF_8)) {
            header.store(out, "MeshFlow knowledge base");
        } catch (IOException e) {
            throw new MeshFlowException("cannot write " + sidecar(file) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens a store saved with {@link #save}, or creates an empty one when {@code file} does not exist.
     *
     * @throws ValidationException when it was built with another embedding model than {@code embeddings}
     */
    public static DocumentStore open(Path file, EmbeddingProvider embeddings) {
        if (!Files.exists(file)) {
            return inMemory(embeddings);
        }
        String model = savedModel(file);
        if (model != null && !model.equals(embeddings.modelName())) {
            throw new ValidationException("knowledge base " + file + " was built with embedding model " + model
                    + ", but " + embeddings.modelName() + " is in use; rebuild it (delete the file and ingest again)"
                    + " or install the model it was built with");
        }
        return create(embeddings, InMemoryVectorIndex.load(file));
    }

    /** Opens a saved store with the default embedding provider; see {@link #open(Path, EmbeddingProvider)}. */
    public static DocumentStore open(Path file) {
        return open(file, EmbeddingProviders.defaultProvider());
    }

    private static @Nullable String savedModel(Path file) {
        Path header = sidecar(file);
        if (!Files.exists(header)) {
            return null;
        }
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(header, StandardCharsets.UTF_8)) {
            props.load(in);
        } catch (IOException e) {
            throw new MeshFlowException("cannot read " + header + ": " + e.getMessage(), e);
        }
        return props.getProperty("model");
    }

    private static Path sidecar(Path file) {
        return file.resolveSibling(file.getFileName() + ".properties");
    }
}
