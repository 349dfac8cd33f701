package io.meshflow.memory;

import io.meshflow.ValidationException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The agents' memory: observations embedded on write and recalled by meaning.
 *
 * <p>{@link #add} purifies an observation ({@link ObservationPurifier}), skips it when nothing is left or the same
 * text is already remembered, merges it with a near-duplicate (cosine at or above the merge threshold: the newer text
 * replaces the older), else embeds and indexes it. {@link #retrieveRelevant} embeds the query and returns the top-k
 * memories by cosine. Without an embedding provider (only when configured so with {@link Builder#keywordOnly()})
 * memories are matched by shared words instead.
 *
 * <p>Every {@link MemoryScope} (tenant, agent, run) has its own index: one scope never sees another's memories.
 * Thread-safe.
 *
 * <pre>{@code
 * MemoryStore memory = MemoryStore.builder().embeddings(EmbeddingProviders.defaultProvider()).build();
 * memory.add(MemoryScope.agent("acme", "support"), "The customer's router is a Fritz!Box 7590.");
 * List<Memory> hits = memory.retrieveRelevant(MemoryScope.agent("acme", "support"), "which modem do they use?");
 * }</pre>
 */
public final class MemoryStore {
    /** Memories recalled when no {@code k} is given. */
    public static final int DEFAULT_K = 5;

    private final @Nullable EmbeddingProvider embeddings;
    private final Function<MemoryScope, VectorIndex> indexes;
    private final ObservationPurifier purifier;
    private final double mergeThreshold;
    private final Clock clock;
    private final Map<MemoryScope, Shelf> shelves = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    private MemoryStore(Builder b) {
        this.embeddings = b.embeddings;
        EmbeddingProvider e = b.embeddings;
        Function<MemoryScope, VectorIndex> given = b.indexes;
        this.indexes = given != null
                ? given
                : scope -> new InMemoryVectorIndex(e == null ? 1 : e.dimension(), "memory of " + scope.key());
        this.purifier = b.purifier;
        this.mergeThreshold = b.mergeThreshold;
        this.clock = b.clock;
    }

    /** Starts configuring a store. */
    public static Builder builder() {
        return new Builder();
    }

    /** A store with in-memory indexes that embeds with {@code embeddings}. */
    public static MemoryStore inMemory(EmbeddingProvider embeddings) {
        return builder().embeddings(embeddings).build();
    }

    /** The embedding provider, or {@code null} in keyword mode. */
    public @Nullable EmbeddingProvider embeddings() {
        return embeddings;
    }

    /**
     * Remembers an observation in a scope.
     *
     * @return the memory as stored (possibly merged with a near-duplicate), or empty when the purified observation is
     *     empty or already remembered word for word
     */
    public Optional<Memory> add(MemoryScope scope, String observation) {
        return add(scope, observation, null);
    }

    /**
     * Remembers an observation a run made, so that erasing that run ({@link #forgetRun}) also forgets it, and any
     * memory it was merged into, in every scope.
     *
     * @param sourceRunId the run the observation comes from, or {@code null} for none
     */
    public Optional<Memory> add(MemoryScope scope, String observation, @Nullable String sourceRunId) {
        String text = purifier.purify(observation).strip();
        if (text.isEmpty() || (embeddings == null && TfIdfEmbeddings.terms(text).isEmpty())) {
            return Optional.empty();
        }
        Shelf shelf = shelf(scope);
        synchronized (shelf) {
            String normalized = normalize(text);
            for (Memory m : shelf.entries.values()) {
                if (normalize(m.text()).equals(normalized)) {
                    shelf.noteSource(m.id(), sourceRunId); // the run said it too: erasing it must forget it
                    return Optional.empty();
                }
            }
            Instant now = clock.instant();
            if (embeddings == null) {
                Memory memory = new Memory(nextId(), text, now, 0);
                shelf.entries.put(memory.id(), memory);
                shelf.noteSource(memory.id(), sourceRunId);
                return Optional.of(memory);
            }
            float[] vector = embeddings.embed(text);
            String id = nextId();
            List<VectorMatch> nearest = shelf.index.search(vector, 1);
            if (!nearest.isEmpty() && nearest.get(0).score() >= mergeThreshold) {
                // a near-duplicate: the newer observation replaces it, keeping its id
                id = nearest.get(0).id();
            }
            Memory memory = new Memory(id, text, now, 0);
            shelf.index.add(id, vector, Map.of());
            shelf.entries.remove(id); // a merged memory moves to the end: it is the newest
            shelf.entries.put(id, memory);
            shelf.noteSource(id, sourceRunId);
            return Optional.of(memory);
        }
    }

    /** The {@value #DEFAULT_K} memories of a scope most relevant to a query; see {@link #retrieveRelevant(MemoryScope, String, int)}. */
    public List<Memory> retrieveRelevant(MemoryScope scope, String query) {
        return retrieveRelevant(scope, query, DEFAULT_K);
    }

    /**
     * The {@code k} memories of a scope most relevant to a query, best first, each with its score. Memories with no
     * similarity at all (score 0 or below) are left out.
     *
     * @throws ValidationException when {@code k} is negative
     */
    public List<Memory> retrieveRelevant(MemoryScope scope, String query, int k) {
        if (k < 0) {
            throw new ValidationException("k must be >= 0, got " + k);
        }
        Shelf shelf = shelves.get(scope);
        if (shelf == null || k == 0 || query.isBlank()) {
            return List.of();
        }
        if (embeddings == null) {
            return keywordSearch(shelf, query, k);
        }
        float[] vector;
        try {
            vector = embeddings.embed(query);
        } catch (ValidationException e) {
            return List.of(); // a query with nothing to embed (say, only punctuation) recalls nothing
        }
        List<Memory> found = new ArrayList<>(k);
        synchronized (shelf) {
            for (VectorMatch match : shelf.index.search(vector, k)) {
                Memory memory = shelf.entries.get(match.id());
                if (memory != null && match.score() > 0) {
                    found.add(memory.withScore(match.score()));
                }
            }
        }
        return found;
    }

    private static List<Memory> keywordSearch(Shelf shelf, String query, int k) {
        Set<String> wanted = new HashSet<>(TfIdfEmbeddings.terms(query));
        if (wanted.isEmpty()) {
            return List.of();
        }
        List<Memory> scored = new ArrayList<>();
        synchronized (shelf) {
            for (Memory m : shelf.entries.values()) {
                Set<String> have = new HashSet<>(TfIdfEmbeddings.terms(m.text()));
                long shared = wanted.stream().filter(have::contains).count();
                if (shared > 0) {
                    scored.add(m.withScore((double) shared / wanted.size()));
                }
            }
        }
        scored.sort(Comparator.comparingDouble(Memory::score).reversed());
        return List.copyOf(scored.subList(0, Math.min(k, scored.size())));
    }

    /** Every memory of a scope, oldest first (a merged memory counts as new; a summary as the oldest). */
    public List<Memory> entries(MemoryScope scope) {
        Shelf shelf = shelves.get(scope);
        if (shelf == null) {
            return List.of();
        }
        synchronized (shelf) {
            return List.copyOf(shelf.entries.values());
        }
    }

    /** Forgets a memory; returns whether it was there. */
    public boolean forget(MemoryScope scope, String id) {
        Shelf shelf = shelves.get(scope);
        if (shelf == null) {
            return false;
        }
        synchronized (shelf) {
            shelf.index.delete(id);
            shelf.sources.remove(id);
            return shelf.entries.remove(id) != null;
        }
    }

    /**
     * Forgets what a run left in memory (GDPR erasure of the run): every scope of that run, and in the tenant's
     * longer-lived scopes every memory the run contributed to (one it added, merged into, or repeated).
     *
     * @return how many memories were forgotten
     */
    public int forgetRun(String tenantId, String runId) {
        int forgotten = 0;
        for (Map.Entry<MemoryScope, Shelf> entry : shelves.entrySet()) {
            MemoryScope scope = entry.getKey();
            if (!scope.tenantId().equals(tenantId)) {
                continue;
            }
            Shelf shelf = entry.getValue();
            synchronized (shelf) {
                for (String id : List.copyOf(shelf.entries.keySet())) {
                    if (runId.equals(scope.runId()) || shelf.cameFrom(id, runId)) {
                        shelf.index.delete(id);
                        shelf.entries.remove(id);
                        shelf.sources.remove(id);
                        forgotten++;
                    }
                }
            }
        }
        return forgotten;
    }

    /**
     * Forgets every memory of a tenant (GDPR erasure of the tenant).
     *
     * @return how many memories were forgotten
     */
    public int forgetTenant(String tenantId) {
        int forgotten = 0;
        for (MemoryScope scope : List.copyOf(shelves.keySet())) {
            if (scope.tenantId().equals(tenantId)) {
                Shelf shelf = shelves.remove(scope);
                if (shelf != null) {
                    synchronized (shelf) {
                        for (String id : shelf.entries.keySet()) {
                            shelf.index.delete(id);
                        }
                        forgotten += shelf.entries.size();
                        shelf.entries.clear();
                    }
                }
            }
        }
        return forgotten;
    }

    /** Summarises old memories into one, for {@link #consolidate}; typically a call to the agent's model. */
    @FunctionalInterface
    public interface Summarizer {
        /** One text saying what the given memories (oldest first) say. */
        String summarize(List<String> memories);
    }

    /**
     * Consolidates a scope: merges near-duplicates (cosine at or above the merge threshold; the newer text stays),
     * then, when a summarizer is given and more than {@code keepRecent} memories remain, replaces the older ones with
     * one summary.
     *
     * @return how many memories the scope holds afterwards
     */
    public int consolidate(MemoryScope scope, @Nullable Summarizer summarizer, int keepRecent) {
        if (keepRecent < 0) {
            throw new ValidationException("keepRecent must be >= 0, got " + keepRecent);
        }
        List<Memory> all = entries(scope);
        Shelf shelf = shelves.get(scope);
        if (shelf == null) {
            return 0;
        }
        synchronized (shelf) {
            EmbeddingProvider e = embeddings;
            if (e != null && all.size() > 1) {
                List<float[]> vectors = e.embed(all.stream().map(Memory::text).toList());
                for (int i = 0; i < all.size(); i++) {
                    for (int j = i + 1; j < all.size(); j++) {
                        if (shelf.entries.containsKey(all.get(i).id())
                                && shelf.entries.containsKey(all.get(j).id())
                                && Vectors.cosine(vectors.get(i), vectors.get(j)) >= mergeThreshold) {
                            String older = all.get(i).id();
                            shelf.index.delete(older); // the older one goes; the newer one stands for its runs too
                            shelf.entries.remove(older);
                            for (String run : shelf.sources.getOrDefault(older, Set.of())) {
                                shelf.noteSource(all.get(j).id(), run);
                            }
                            shelf.sources.remove(older);
                        }
                    }
                }
            }
            List<Memory> left = new ArrayList<>(shelf.entries.values());
            if (summarizer != null && left.size() > keepRecent) {
                List<Memory> old = left.subList(0, left.size() - keepRecent);
                String summary = summarizer
                        .summarize(old.stream().map(Memory::text).toList())
                        .strip();
                if (!summary.isEmpty()) {
                    String id = nextId();
                    for (Memory m : List.copyOf(old)) {
                        shelf.index.delete(m.id());
                        shelf.entries.remove(m.id());
                        // the summary says what they said: it comes from every run they came from
                        for (String run : shelf.sources.getOrDefault(m.id(), Set.of())) {
                            shelf.noteSource(id, run);
                        }
                        shelf.sources.remove(m.id());
                    }
                    Memory merged = new Memory(
                            id,
                            summary,
                            old.isEmpty() ? clock.instant() : old.get(0).createdAt(),
                            0);
                    if (e != null) {
                        shelf.index.add(id, e.embed(summary), Map.of());
                    }
                    Map<String, Memory> rest = new LinkedHashMap<>(shelf.entries);
                    shelf.entries.clear();
                    shelf.entries.put(id, merged); // the summary stands for the oldest memories: it comes first
                    shelf.entries.putAll(rest);
                }
            }
            return shelf.entries.size();
        }
    }

    private Shelf shelf(MemoryScope scope) {
        return shelves.computeIfAbsent(scope, s -> new Shelf(indexes.apply(s)));
    }

    private String nextId() {
        return "m" + ids.incrementAndGet();
    }

    private static String normalize(String text) {
        return text.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").strip();
    }

    /** One scope's memories and their index. */
    private static final class Shelf {
        final VectorIndex index;
        final Map<String, Memory> entries = new LinkedHashMap<>();
        /** The runs each memory came from (several once merged, repeated or summarised). */
        final Map<String, Set<String>> sources = new LinkedHashMap<>();

        void noteSource(String memoryId, @Nullable String runId) {
            if (runId != null) {
                sources.computeIfAbsent(memoryId, k -> new HashSet<>()).add(runId);
            }
        }

        boolean cameFrom(String memoryId, String runId) {
            Set<String> runs = sources.get(memoryId);
            return runs != null && runs.contains(runId);
        }

        Shelf(VectorIndex index) {
            this.index = index;
        }
    }

    /** Configures a {@link MemoryStore}. */
    public static final class Builder {
        private @Nullable EmbeddingProvider embeddings;
        private boolean keywordOnly;
        private @Nullable Function<MemoryScope, VectorIndex> indexes;
        private ObservationPurifier purifier = ObservationPurifier.standard();
        private double mergeThreshold = 0.95;
        private Clock clock = Clock.systemUTC();

        private Builder() {}

        /** The embedding provider (default: {@link EmbeddingProviders#defaultProvider()}). */
        public Builder embeddings(EmbeddingProvider value) {
            this.embeddings = Objects.requireNonNull(value, "embeddings");
            this.keywordOnly = false;
            return this;
        }

        /** No embedding provider: memories are matched by shared words only. */
        public Builder keywordOnly() {
            this.keywordOnly = true;
            this.embeddings = null;
            return this;
        }

        /** Creates the index of each scope (default: an {@link InMemoryVectorIndex}). */
        public Builder indexes(Function<MemoryScope, VectorIndex> value) {
            this.indexes = value;
            return this;
        }

        /** The purifier applied to every observation (default {@link ObservationPurifier#standard()}). */
        public Builder purifier(ObservationPurifier value) {
            this.purifier = value;
            return this;
        }

        /** Cosine at or above which a new memory replaces an old one (default 0.95; 1 turns merging off). */
        public Builder mergeThreshold(double value) {
            if (!(value > 0 && value <= 1)) {
                throw new ValidationException("merge threshold must be within (0, 1], got " + value);
            }
            this.mergeThreshold = value;
            return this;
        }

        /** The time source of memories' timestamps. */
        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        /** Returns the store. */
        public MemoryStore build() {
            if (!keywordOnly && embeddings == null) {
                embeddings = EmbeddingProviders.defaultProvider();
            }
            return new MemoryStore(this);
        }
    }
}
