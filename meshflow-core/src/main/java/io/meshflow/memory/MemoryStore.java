package io.meshflow.memory;

import io.meshflow.ValidationException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
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
 * With a {@link MemoryStorage} ({@link Builder#storage}) memories outlive the process: each scope is loaded from it
 * on first use (and again whenever another process or an erasure changed it) and every change is written through.
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
    private final @Nullable MemoryStorage storage;
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
        this.storage = b.storage;
    }

    /** Starts configuring a store. */
    public static Builder builder() {
        return new Builder();
    }

    /** A store with in-memory indexes that embeds with {@code embeddings}. */
    public static MemoryStore inMemory(EmbeddingProvider embeddings) {
        return builder().embeddings(embeddings).build();
    }

    /** The storage memories are kept in, when they outlive this store. */
    public Optional<MemoryStorage> storage() {
        return Optional.ofNullable(storage);
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
     * @throws io.meshflow.MeshFlowException when the storage fails (the memory is then not kept)
     */
    public Optional<Memory> add(MemoryScope scope, String observation, @Nullable String sourceRunId) {
        String text = purifier.purify(observation).strip();
        if (text.isEmpty() || (embeddings == null && TfIdfEmbeddings.terms(text).isEmpty())) {
            return Optional.empty();
        }
        return onShelf(scope, shelf -> {
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
                shelf.putLast(memory, null);
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
            shelf.putLast(memory, vector); // a merged memory moves to the end: it is the newest
            shelf.noteSource(id, sourceRunId);
            return Optional.of(memory);
        });
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
        if (k == 0 || query.isBlank() || (storage == null && !shelves.containsKey(scope))) {
            return List.of();
        }
        EmbeddingProvider e = embeddings;
        if (e == null) {
            return onShelf(scope, shelf -> keywordSearch(shelf, query, k));
        }
        float[] vector;
        try {
            vector = e.embed(query);
        } catch (ValidationException ex) {
            return List.of(); // a query with nothing to embed (say, only punctuation) recalls nothing
        }
        return onShelf(scope, shelf -> {
            List<Memory> found = new ArrayList<>(k);
            for (VectorMatch match : shelf.index.search(vector, k)) {
                Memory memory = shelf.entries.get(match.id());
                if (memory != null && match.score() > 0) {
                    found.add(memory.withScore(match.score()));
                }
            }
            return found;
        });
    }

    private static List<Memory> keywordSearch(Shelf shelf, String query, int k) {
        Set<String> wanted = new HashSet<>(TfIdfEmbeddings.terms(query));
        if (wanted.isEmpty()) {
            return List.of();
        }
        List<Memory> scored = new ArrayList<>();
        for (Memory m : shelf.entries.values()) {
            Set<String> have = new HashSet<>(TfIdfEmbeddings.terms(m.text()));
            long shared = wanted.stream().filter(have::contains).count();
            if (shared > 0) {
                scored.add(m.withScore((double) shared / wanted.size()));
            }
        }
        scored.sort(Comparator.comparingDouble(Memory::score).reversed());
        return List.copyOf(scored.subList(0, Math.min(k, scored.size())));
    }

    /** Every memory of a scope, oldest first (a merged memory counts as new; a summary as the oldest). */
    public List<Memory> entries(MemoryScope scope) {
        if (storage == null && !shelves.containsKey(scope)) {
            return List.of();
        }
        return onShelf(scope, shelf -> List.copyOf(shelf.entries.values()));
    }

    /** Forgets a memory; returns whether it was there. */
    public boolean forget(MemoryScope scope, String id) {
        if (storage == null && !shelves.containsKey(scope)) {
            return false;
        }
        return onShelf(scope, shelf -> shelf.remove(id));
    }

    /**
     * Forgets what a run left in memory (GDPR erasure of the run): every scope of that run, and in the tenant's
     * longer-lived scopes every memory the run contributed to (one it added, merged into, or repeated). With a
     * {@link MemoryStorage}, the stored memories are erased there (in every process's view).
     *
     * @return how many memories were forgotten
     */
    public int forgetRun(String tenantId, String runId) {
        MemoryStorage s = storage;
        if (s != null) {
            int forgotten = s.forgetRun(tenantId, runId);
            reloadTenant(tenantId);
            return forgotten;
        }
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
                        shelf.remove(id);
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
        MemoryStorage s = storage;
        if (s != null) {
            int forgotten = s.forgetTenant(tenantId);
            reloadTenant(tenantId);
            return forgotten;
        }
        int forgotten = 0;
        for (MemoryScope scope : List.copyOf(shelves.keySet())) {
            if (scope.tenantId().equals(tenantId)) {
                Shelf shelf = shelves.remove(scope);
                if (shelf != null) {
                    synchronized (shelf) {
                        forgotten += shelf.entries.size();
                        for (String id : List.copyOf(shelf.entries.keySet())) {
                            shelf.remove(id);
                        }
                    }
                }
            }
        }
        return forgotten;
    }

    /** Makes every cached scope of a tenant reload from storage on its next use. */
    private void reloadTenant(String tenantId) {
        for (Map.Entry<MemoryScope, Shelf> entry : shelves.entrySet()) {
            if (entry.getKey().tenantId().equals(tenantId)) {
                synchronized (entry.getValue()) {
                    entry.getValue().loaded = false;
                }
            }
        }
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
     * one summary. When the summarizer fails, its exception propagates and the scope keeps the older memories (the
     * merges are kept).
     *
     * @return how many memories the scope holds afterwards
     * @throws ValidationException when {@code keepRecent} is negative
     */
    public int consolidate(MemoryScope scope, @Nullable Summarizer summarizer, int keepRecent) {
        if (keepRecent < 0) {
            throw new ValidationException("keepRecent must be >= 0, got " + keepRecent);
        }
        if (storage == null && !shelves.containsKey(scope)) {
            return 0;
        }
        int merged = onShelf(scope, shelf -> {
            mergeNearDuplicates(shelf);
            return shelf.entries.size();
        });
        if (summarizer == null || merged <= keepRecent) {
            return merged;
        }
        // the model call happens outside the lock (it may take seconds); the summary then replaces exactly the
        // memories it was made of that are still there
        List<Memory> old = entries(scope).subList(0, Math.max(0, merged - keepRecent));
        if (old.isEmpty()) {
            return merged;
        }
        String summary =
                summarizer.summarize(old.stream().map(Memory::text).toList()).strip();
        if (summary.isEmpty()) {
            return merged;
        }
        float[] vector = embeddings == null ? null : embeddings.embed(summary);
        return onShelf(scope, shelf -> {
            String id = nextId();
            Set<String> runs = new HashSet<>();
            for (Memory m : old) {
                runs.addAll(shelf.sources.getOrDefault(m.id(), Set.of()));
                shelf.remove(m.id());
            }
            shelf.putFirst(new Memory(id, summary, old.get(0).createdAt(), 0), vector);
            // the summary says what they said: it comes from every run they came from
            for (String run : runs) {
                shelf.noteSource(id, run);
            }
            return shelf.entries.size();
        });
    }

    private void mergeNearDuplicates(Shelf shelf) {
        EmbeddingProvider e = embeddings;
        List<Memory> all = List.copyOf(shelf.entries.values());
        if (e == null || all.size() < 2) {
            return;
        }
        List<float[]> vectors = e.embed(all.stream().map(Memory::text).toList());
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                String older = all.get(i).id();
                String newer = all.get(j).id();
                if (shelf.entries.containsKey(older)
                        && shelf.entries.containsKey(newer)
                        && Vectors.cosine(vectors.get(i), vectors.get(j)) >= mergeThreshold) {
                    // the older one goes; the newer one stands for its runs too
                    for (String run : shelf.sources.getOrDefault(older, Set.of())) {
                        shelf.noteSource(newer, run);
                    }
                    shelf.remove(older);
                }
            }
        }
    }

    /**
     * Runs {@code work} on a scope's shelf under its lock: loaded from storage first when another process (or an
     * erasure) changed it, and its changes written to storage afterwards. When that write fails, the shelf is reloaded
     * on its next use, so the cache never holds what storage does not.
     */
    private <T> T onShelf(MemoryScope scope, Function<Shelf, T> work) {
        Shelf shelf = shelves.computeIfAbsent(scope, s -> new Shelf(indexes.apply(s)));
        synchronized (shelf) {
            MemoryStorage s = storage;
            if (s == null) {
                return work.apply(shelf);
            }
            try {
                if (!shelf.loaded || !shelf.revision.equals(s.revision(scope))) {
                    load(scope, shelf, s);
                }
                T result = work.apply(shelf);
                shelf.flush(scope, s);
                return result;
            } catch (RuntimeException ex) {
                shelf.loaded = false;
                throw ex;
            }
        }
    }

    private void load(MemoryScope scope, Shelf shelf, MemoryStorage s) {
        shelf.clear();
        MemoryStorage.Snapshot snapshot = s.load(scope);
        EmbeddingProvider e = embeddings;
        List<MemoryStorage.StoredMemory> stale = new ArrayList<>();
        for (MemoryStorage.StoredMemory stored : snapshot.memories()) {
            float[] vector = stored.vector();
            boolean current = e == null
                    || (vector.length == e.dimension() && e.modelName().equals(stored.embeddingModel()));
            if (!current) {
                stale.add(stored);
            }
            shelf.restore(stored, current && vector.length > 0 ? vector : null);
        }
        if (e != null && !stale.isEmpty()) {
            // embedded by another model (the provider changed between processes): embed again and store the new vectors
            List<float[]> vectors =
                    e.embed(stale.stream().map(MemoryStorage.StoredMemory::text).toList());
            for (int i = 0; i < stale.size(); i++) {
                shelf.reembed(stale.get(i).id(), vectors.get(i));
            }
        }
        shelf.revision = snapshot.revision();
        shelf.loaded = true;
    }

    private String nextId() {
        // stored memories are shared by processes: their ids must not depend on one process's counter
        return storage == null ? "m" + ids.incrementAndGet() : "m-" + UUID.randomUUID();
    }

    private static String normalize(String text) {
        return text.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").strip();
    }

    /** One scope's memories, their index and (with storage) what changed since they were last written. */
    private final class Shelf {
        final VectorIndex index;
        final Map<String, Memory> entries = new LinkedHashMap<>();
        /** The runs each memory came from (several once merged, repeated or summarised). */
        final Map<String, Set<String>> sources = new LinkedHashMap<>();

        final Map<String, float[]> vectors = new HashMap<>();
        final Map<String, Long> positions = new HashMap<>();
        final Set<String> changed = new LinkedHashSet<>();
        final Set<String> removed = new LinkedHashSet<>();
        long firstPosition;
        long lastPosition;
        String revision = "";
        boolean loaded;

        Shelf(VectorIndex index) {
            this.index = index;
        }

        void noteSource(String memoryId, @Nullable String runId) {
            if (runId != null
                    && sources.computeIfAbsent(memoryId, k -> new HashSet<>()).add(runId)) {
                markChanged(memoryId);
            }
        }

        boolean cameFrom(String memoryId, String runId) {
            Set<String> runs = sources.get(memoryId);
            return runs != null && runs.contains(runId);
        }

        /** Adds (or replaces) a memory as the newest. */
        void putLast(Memory memory, float @Nullable [] vector) {
            entries.remove(memory.id());
            put(memory, vector, ++lastPosition);
        }

        /** Adds a memory before all others (a summary of the oldest). */
        void putFirst(Memory memory, float @Nullable [] vector) {
            Map<String, Memory> rest = new LinkedHashMap<>(entries);
            entries.clear();
            put(memory, vector, --firstPosition);
            entries.putAll(rest);
        }

        private void put(Memory memory, float @Nullable [] vector, long position) {
            entries.put(memory.id(), memory);
            positions.put(memory.id(), position);
            if (vector != null) {
                index.add(memory.id(), vector, Map.of());
                vectors.put(memory.id(), vector);
            }
            markChanged(memory.id());
            removed.remove(memory.id());
        }

        boolean remove(String id) {
            index.delete(id);
            sources.remove(id);
            vectors.remove(id);
            positions.remove(id);
            changed.remove(id);
            boolean was = entries.remove(id) != null;
            if (was && storage != null) {
                removed.add(id);
            }
            return was;
        }

        /** Takes a memory as stored, without marking it changed. */
        void restore(MemoryStorage.StoredMemory stored, float @Nullable [] vector) {
            entries.put(stored.id(), new Memory(stored.id(), stored.text(), stored.createdAt(), 0));
            positions.put(stored.id(), stored.position());
            if (vector != null) {
                index.add(stored.id(), vector, Map.of());
                vectors.put(stored.id(), vector);
            }
            if (!stored.sourceRuns().isEmpty()) {
                sources.put(stored.id(), new HashSet<>(stored.sourceRuns()));
            }
            firstPosition = Math.min(firstPosition, stored.position());
            lastPosition = Math.max(lastPosition, stored.position());
        }

        void reembed(String id, float[] vector) {
            index.add(id, vector, Map.of());
            vectors.put(id, vector);
            markChanged(id);
        }

        /** Notes a memory to write on the next flush; without storage there is nothing to write. */
        private void markChanged(String id) {
            if (storage != null) {
                changed.add(id);
            }
        }

        void clear() {
            for (String id : entries.keySet()) {
                index.delete(id);
            }
            entries.clear();
            sources.clear();
            vectors.clear();
            positions.clear();
            changed.clear();
            removed.clear();
            firstPosition = 0;
            lastPosition = 0;
        }

        /** Writes what changed since the last write, if anything. */
        void flush(MemoryScope scope, MemoryStorage s) {
            if (changed.isEmpty() && removed.isEmpty()) {
                return;
            }
            EmbeddingProvider e = embeddings;
            List<MemoryStorage.StoredMemory> upserts = new ArrayList<>(changed.size());
            for (String id : changed) {
                Memory m = Objects.requireNonNull(entries.get(id));
                float[] vector = vectors.get(id);
                upserts.add(new MemoryStorage.StoredMemory(
                        id,
                        m.text(),
                        m.createdAt(),
                        Objects.requireNonNull(positions.get(id)),
                        e == null || vector == null ? null : e.modelName(),
                        vector == null ? new float[0] : vector,
                        sources.getOrDefault(id, Set.of())));
            }
            MemoryStorage.Written written = s.write(scope, revision, upserts, List.copyOf(removed));
            changed.clear();
            removed.clear();
            revision = written.revision();
            // someone else wrote in between: what they wrote is not in this cache yet
            loaded = written.wasAtExpected();
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
        private @Nullable MemoryStorage storage;

        private Builder() {}

        /**
         * Keeps the memories in a storage (such as the JDBC ledger) so that they outlive this process and are shared
         * with every store on the same storage; default none: memories live as long as this store.
         */
        public Builder storage(MemoryStorage value) {
            this.storage = Objects.requireNonNull(value, "storage");
            return this;
        }

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
