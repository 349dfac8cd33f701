package io.meshflow.memory.pgvector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pgvector.PGvector;
import io.meshflow.MeshFlowException;
import io.meshflow.ValidationException;
import io.meshflow.json.MeshJson;
import io.meshflow.memory.VectorIndex;
import io.meshflow.memory.VectorMatch;
import io.meshflow.memory.Vectors;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A {@link VectorIndex} in PostgreSQL with the pgvector extension: one collection of one tenant, in the table
 * {@code meshflow_vectors_<dimension>} ({@code tenant_id, collection, id, embedding vector(n), metadata jsonb}) with
 * an HNSW index for cosine distance. Every statement is scoped by tenant and collection, so tenants sharing a
 * database never see each other's vectors. The table and index are created on {@link #open} if missing.
 *
 * <pre>{@code
 * VectorIndex index = PgVectorIndex.open(dataSource, "acme", "handbook", 384);
 * DocumentStore docs = DocumentStore.create(EmbeddingProviders.defaultProvider(), index);
 * }</pre>
 *
 * <p>HNSW search is approximate; {@code hnsw.ef_search} is raised to at least {@code 4 k} (minimum 100) per query,
 * which keeps it exact in practice for small collections. Thread-safe (a connection per call).
 */
public final class PgVectorIndex implements VectorIndex {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final DataSource dataSource;
    private final String tenantId;
    private final String collection;
    private final int dimension;
    private final String table;
    private final boolean iterativeScan;

    private PgVectorIndex(
            DataSource dataSource, String tenantId, String collection, int dimension, boolean iterativeScan) {
        this.dataSource = dataSource;
        this.tenantId = tenantId;
        this.collection = collection;
        this.dimension = dimension;
        this.table = "meshflow_vectors_" + dimension;
        this.iterativeScan = iterativeScan;
    }

    /**
     * Opens (creating the table and HNSW index if needed) the collection of a tenant.
     *
     * @throws ValidationException when the tenant or collection name is invalid, the dimension is not within
     *     1..16000, or the database has no pgvector extension (saying how to install it)
     * @throws MeshFlowException when the database cannot be reached
     */
    public static PgVectorIndex open(DataSource dataSource, String tenantId, String collection, int dimension) {
        for (String name : List.of(tenantId, collection)) {
            if (!NAME.matcher(name).matches()) {
                throw new ValidationException(
                        "tenant and collection names must be 1-64 letters, digits, '_', '.' or '-'; got '" + name
                                + "'");
            }
        }
        if (dimension < 1 || dimension > 16000) {
            throw new ValidationException("pgvector holds 1..16000 dimensions, got " + dimension);
        }
        String table = "meshflow_vectors_" + dimension;
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            String version = extensionVersion(c);
            if (version == null) {
                try {
                    s.execute("CREATE EXTENSION IF NOT EXISTS vector");
                } catch (SQLException e) {
                    throw new ValidationException(missingExtension(e));
                }
                version = extensionVersion(c);
                if (version == null) {
                    throw new ValidationException(missingExtension(null));
                }
            }
            s.execute("CREATE TABLE IF NOT EXISTS " + table + " (tenant_id text NOT NULL, collection text NOT NULL,"
                    + " id text NOT NULL, embedding vector(" + dimension + ") NOT NULL,"
                    + " metadata jsonb NOT NULL DEFAULT '{}', PRIMARY KEY (tenant_id, collection, id))");
            s.execute("CREATE INDEX IF NOT EXISTS " + table + "_hnsw ON " + table
                    + " USING hnsw (embedding vector_cosine_ops)");
            return new PgVectorIndex(dataSource, tenantId, collection, dimension, atLeast(version, 0, 8));
        } catch (SQLException e) {
            throw new MeshFlowException("cannot open pgvector index " + table + ": " + e.getMessage(), e);
        }
    }

    private static @org.jspecify.annotations.Nullable String extensionVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT extversion FROM pg_extension WHERE extname = 'vector'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static String missingExtension(@org.jspecify.annotations.Nullable SQLException e) {
        return "this PostgreSQL has no pgvector extension" + (e == null ? "" : " (" + e.getMessage() + ")")
                + ". Install it: on Debian/Ubuntu `apt install postgresql-<major>-pgvector` (PGDG repository), on"
                + " macOS `brew install pgvector`, or build it from https://github.com/pgvector/pgvector; then run"
                + " `CREATE EXTENSION vector;` in the database as a superuser (or a user allowed to create it)";
    }

    private static boolean atLeast(String version, int major, int minor) {
        String[] parts = version.split("\\.", -1);
        try {
            int ma = Integer.parseInt(parts[0]);
            int mi = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return ma > major || (ma == major && mi >= minor);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Override
    public void add(String id, float[] vector, Map<String, String> metadata) {
        Vectors.check(vector, dimension, "pgvector index " + collection);
        String sql = "INSERT INTO " + table + " (tenant_id, collection, id, embedding, metadata)"
                + " VALUES (?, ?, ?, ?, ?::jsonb) ON CONFLICT (tenant_id, collection, id)"
                + " DO UPDATE SET embedding = EXCLUDED.embedding, metadata = EXCLUDED.metadata";
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, tenantId);
            ps.setString(2, collection);
            ps.setString(3, id);
            ps.setObject(4, new PGvector(vector));
            ps.setString(5, json(metadata));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new MeshFlowException("cannot add vector " + id + " to " + table + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<VectorMatch> search(float[] query, int k, Map<String, String> filter) {
        if (k < 0) {
            throw new ValidationException("k must be >= 0, got " + k);
        }
        Vectors.check(query, dimension, "pgvector index " + collection);
        if (k == 0) {
            return List.of();
        }
        String sql = "SELECT id, metadata::text, 1 - (embedding <=> ?) AS score FROM " + table
                + " WHERE tenant_id = ? AND collection = ?" + (filter.isEmpty() ? "" : " AND metadata @> ?::jsonb")
                + " ORDER BY embedding <=> ? LIMIT ?";
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL hnsw.ef_search = " + Math.min(1000, Math.max(100, 4 * k)));
                if (iterativeScan) {
                    s.execute("SET LOCAL hnsw.iterative_scan = strict_order");
                }
                List<VectorMatch> matches = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    PGvector q = new PGvector(query);
                    int i = 1;
                    ps.setObject(i++, q);
                    ps.setString(i++, tenantId);
                    ps.setString(i++, collection);
                    if (!filter.isEmpty()) {
                        ps.setString(i++, json(filter));
                    }
                    ps.setObject(i++, q);
                    ps.setInt(i, k);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            matches.add(new VectorMatch(rs.getString(1), rs.getDouble(3), metadata(rs.getString(2))));
                        }
                    }
                }
                c.commit();
                return matches;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new MeshFlowException("cannot search " + table + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean delete(String id) {
        String sql = "DELETE FROM " + table + " WHERE tenant_id = ? AND collection = ? AND id = ?";
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, tenantId);
            ps.setString(2, collection);
            ps.setString(3, id);
            return ps.executeUpdate() > 0;
        } catch (SQLException e) {
            throw new MeshFlowException("cannot delete vector " + id + " from " + table + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int size() {
        String sql = "SELECT count(*) FROM " + table + " WHERE tenant_id = ? AND collection = ?";
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, tenantId);
            ps.setString(2, collection);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new MeshFlowException("cannot count " + table + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int dimension() {
        return dimension;
    }

    private static String json(Map<String, String> map) {
        ObjectNode node = MeshJson.mapper().createObjectNode();
        map.forEach(node::put);
        return node.toString();
    }

    private static Map<String, String> metadata(String json) {
        Map<String, String> map = new LinkedHashMap<>();
        JsonNode node = MeshJson.parse(json);
        node.properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }
}
