package io.meshflow.ledger.jdbc;

import io.meshflow.memory.MemoryScope;
import io.meshflow.memory.MemoryStorage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of {@link JdbcLedger}'s {@link MemoryStorage}: tables {@code agent_memories}, {@code agent_memory_sources}
 * and {@code agent_memory_scopes}. Erasure calls {@link #eraseRun} and {@link #eraseTenant} in its own transaction.
 */
final class Memories {
    /** The memories a run left: those of its own scopes and those it contributed to elsewhere in the tenant. */
    private static final String OF_RUN = "tenant_id = ? AND (scope_run_id = ? OR memory_id IN"
            + " (SELECT memory_id FROM agent_memory_sources WHERE tenant_id = ? AND run_id = ?))";

    private Memories() {}

    static String revision(Connection c, MemoryScope scope) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT revision FROM agent_memory_scopes WHERE tenant_id = ? AND scope_key = ?")) {
            ps.setString(1, scope.tenantId());
            ps.setString(2, scope.key());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "";
            }
        }
    }

    static MemoryStorage.Snapshot load(Connection c, MemoryScope scope) throws SQLException {
        String revision = revision(c, scope);
        Map<String, Set<String>> sources = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT s.memory_id, s.run_id FROM agent_memory_sources s"
                + " JOIN agent_memories m ON m.tenant_id = s.tenant_id AND m.memory_id = s.memory_id"
                + " WHERE m.tenant_id = ? AND m.scope_key = ?")) {
            ps.setString(1, scope.tenantId());
            ps.setString(2, scope.key());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sources.computeIfAbsent(rs.getString(1), k -> new HashSet<>())
                            .add(rs.getString(2));
                }
            }
        }
        List<MemoryStorage.StoredMemory> memories = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT memory_id, text, created_at, position, embedding_model,"
                + " embedding FROM agent_memories WHERE tenant_id = ? AND scope_key = ? ORDER BY position")) {
            ps.setString(1, scope.tenantId());
            ps.setString(2, scope.key());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    memories.add(new MemoryStorage.StoredMemory(
                            id,
                            rs.getString(2),
                            Timestamps.parse(rs.getString(3)),
                            rs.getLong(4),
                            rs.getString(5),
                            decode(rs.getBytes(6)),
                            sources.getOrDefault(id, Set.of())));
                }
            }
        }
        return new MemoryStorage.Snapshot(revision, memories);
    }

    /**
     * Writes one scope's changes and gives it a new revision. The scope's row is locked first (PostgreSQL; SQLite has
     * one writer), so two processes writing one scope serialise and each learns whether the other came first.
     */
    static MemoryStorage.Written write(
            Connection c,
            Dialect dialect,
            MemoryScope scope,
            String expectedRevision,
            List<MemoryStorage.StoredMemory> upserts,
            Collection<String> deletes)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO agent_memory_scopes (tenant_id, scope_key, revision)"
                        + " VALUES (?, ?, '') ON CONFLICT (tenant_id, scope_key) DO NOTHING")) {
            ps.setString(1, scope.tenantId());
            ps.setString(2, scope.key());
            ps.executeUpdate();
        }
        String before;
        try (PreparedStatement ps = c.prepareStatement("SELECT revision FROM agent_memory_scopes"
                + " WHERE tenant_id = ? AND scope_key = ?" + dialect.lockRunRow())) {
            ps.setString(1, scope.tenantId());
            ps.setString(2, scope.key());
            try (ResultSet rs = ps.executeQuery()) {
                before = rs.next() ? rs.getString(1) : "";
            }
        }
        delete(c, scope.tenantId(), deletes);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO agent_memories (tenant_id, memory_id, scope_key,"
                + " agent_id, scope_run_id, text, created_at, position, embedding_model, embedding)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, memory_id) DO UPDATE SET"
                + " text = excluded.text, created_at = excluded.created_at, position = excluded.position,"
                + " embedding_model = excluded.embedding_model, embedding = excluded.embedding")) {
            for (MemoryStorage.StoredMemory m : upserts) {
                ps.setString(1, scope.tenantId());
                ps.setString(2, m.id());
                ps.setString(3, scope.key());
                ps.setString(4, scope.agentId());
                ps.setString(5, scope.runId());
                ps.setString(6, m.text());
                ps.setString(7, Timestamps.format(m.createdAt()));
                ps.setLong(8, m.position());
                ps.setString(9, m.embeddingModel());
                ps.setBytes(10, encode(m.vector()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO agent_memory_sources (tenant_id, memory_id, run_id)"
                + " VALUES (?, ?, ?) ON CONFLICT (tenant_id, memory_id, run_id) DO NOTHING")) {
            for (MemoryStorage.StoredMemory m : upserts) {
                for (String run : m.sourceRuns()) {
                    ps.setString(1, scope.tenantId());
                    ps.setString(2, m.id());
                    ps.setString(3, run);
                    ps.addBatch();
                }
            }
            ps.executeBatch();
        }
        String after = UUID.randomUUID().toString();
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE agent_memory_scopes SET revision = ? WHERE tenant_id = ? AND scope_key = ?")) {
            ps.setString(1, after);
            ps.setString(2, scope.tenantId());
            ps.setString(3, scope.key());
            ps.executeUpdate();
        }
        return new MemoryStorage.Written(after, before.equals(expectedRevision));
    }

    /**
     * Erases what a run left in memory; the scopes it touched get new revisions, so caches reload them.
     *
     * @return how many memories were erased
     */
    static int eraseRun(Connection c, String tenantId, String runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE agent_memory_scopes SET revision = ? WHERE tenant_id = ?"
                + " AND scope_key IN (SELECT scope_key FROM agent_memories WHERE " + OF_RUN + ")")) {
            ps.setString(1, UUID.randomUUID().toString());
            ps.setString(2, tenantId);
            bindRun(ps, 3, tenantId, runId);
            ps.executeUpdate();
        }
        List<String> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT memory_id FROM agent_memories WHERE " + OF_RUN)) {
            bindRun(ps, 1, tenantId, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        delete(c, tenantId, ids);
        // a source row of a memory the run did not leave (none should remain) must not outlive the run either
        try (PreparedStatement ps =
                c.prepareStatement("DELETE FROM agent_memory_sources WHERE tenant_id = ? AND run_id = ?")) {
            ps.setString(1, tenantId);
            ps.setString(2, runId);
            ps.executeUpdate();
        }
        return ids.size();
    }

    /**
     * Erases every memory of a tenant, and its scopes' revisions (a cache of them then sees an empty revision).
     *
     * @return how many memories were erased
     */
    static int eraseTenant(Connection c, String tenantId) throws SQLException {
        int erased;
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM agent_memories WHERE tenant_id = ?")) {
            ps.setString(1, tenantId);
            erased = ps.executeUpdate();
        }
        for (String table : List.of("agent_memory_sources", "agent_memory_scopes")) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE tenant_id = ?")) {
                ps.setString(1, tenantId);
                ps.executeUpdate();
            }
        }
        return erased;
    }

    /** How many memories a run left (for an erasure's receipt, before it erases them). */
    static long countOfRun(Connection c, String tenantId, String runId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM agent_memories WHERE " + OF_RUN)) {
            bindRun(ps, 1, tenantId, runId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private static void bindRun(PreparedStatement ps, int first, String tenantId, String runId) throws SQLException {
        ps.setString(first, tenantId);
        ps.setString(first + 1, runId);
        ps.setString(first + 2, tenantId);
        ps.setString(first + 3, runId);
    }

    private static void delete(Connection c, String tenantId, Collection<String> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        for (String table : List.of("agent_memory_sources", "agent_memories")) {
            try (PreparedStatement ps =
                    c.prepareStatement("DELETE FROM " + table + " WHERE tenant_id = ? AND memory_id = ?")) {
                for (String id : ids) {
                    ps.setString(1, tenantId);
                    ps.setString(2, id);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    private static byte @Nullable [] encode(float[] vector) {
        if (vector.length == 0) {
            return null; // keyword mode: no vector
        }
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(vector);
        return bytes.array();
    }

    private static float[] decode(byte @Nullable [] bytes) {
        if (bytes == null) {
            return new float[0];
        }
        float[] vector = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
        return vector;
    }
}
