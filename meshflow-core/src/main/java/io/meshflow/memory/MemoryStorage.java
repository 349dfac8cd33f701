package io.meshflow.memory;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Where a {@link MemoryStore} keeps its memories so that they outlive the process: with it, a second process (a second
 * {@code meshflow run}, another server replica) on the same storage recalls what the first remembered. The JDBC
 * ledger ({@code JdbcLedger}) is one, keeping memories in the ledger's database, so that erasing a run from the ledger
 * erases what it left in memory in the same transaction.
 *
 * <p>Every scope has a revision, a token that changes with every write to it (including erasures): a store caches a
 * scope and reloads it only when the revision is no longer the one it read or wrote last. Implementations are
 * thread-safe and apply each {@link #write} atomically.
 */
public interface MemoryStorage {
    /**
     * The current revision of a scope: changes with every write to it. Empty when nothing was ever written to it (or
     * it was erased).
     */
    String revision(MemoryScope scope);

    /** The memories of a scope in order (see {@link StoredMemory#position()}) and the revision they were read at. */
    Snapshot load(MemoryScope scope);

    /**
     * Stores memories (replacing those with the same id) and deletes others, in one scope, at once, giving the scope
     * a new revision.
     *
     * @param expectedRevision the revision the caller last saw; the result says whether the scope was still at it
     * @throws io.meshflow.MeshFlowException when the storage fails (nothing is then changed)
     */
    Written write(MemoryScope scope, String expectedRevision, List<StoredMemory> upserts, Collection<String> deletes);

    /**
     * Erases what a run left: every memory of the run's own scopes and every memory the run contributed to in the
     * tenant's other scopes.
     *
     * @return how many memories were erased
     */
    int forgetRun(String tenantId, String runId);

    /**
     * Erases every memory of a tenant.
     *
     * @return how many memories were erased
     */
    int forgetTenant(String tenantId);

    /**
     * One stored memory.
     *
     * @param id its id, unique within the tenant
     * @param text its text
     * @param createdAt when it was added (or last merged)
     * @param position its place in its scope: memories are listed by ascending position, oldest first
     * @param embeddingModel the model that made {@code vector} ({@link EmbeddingProvider#modelName()}), or {@code null}
     *     when there is no vector (keyword mode)
     * @param vector the embedding, empty in keyword mode
     * @param sourceRuns the runs it came from (erasing one of them erases it)
     */
    @SuppressWarnings("ArrayRecordComponent") // a vector is read and written whole, never compared
    record StoredMemory(
            String id,
            String text,
            Instant createdAt,
            long position,
            @Nullable String embeddingModel,
            float[] vector,
            Set<String> sourceRuns) {
        /** Copies the runs. */
        public StoredMemory {
            sourceRuns = Set.copyOf(sourceRuns);
        }
    }

    /**
     * A scope's memories as read.
     *
     * @param revision the revision they were read at
     * @param memories the memories by ascending position
     */
    record Snapshot(String revision, List<StoredMemory> memories) {
        /** Copies the memories. */
        public Snapshot {
            memories = List.copyOf(memories);
        }
    }

    /**
     * The outcome of a {@link #write}.
     *
     * @param revision the scope's revision after the write
     * @param wasAtExpected whether the scope was at the expected revision before the write (else someone else wrote to
     *     it meanwhile, and a cached copy must be reloaded)
     */
    record Written(String revision, boolean wasAtExpected) {}
}
