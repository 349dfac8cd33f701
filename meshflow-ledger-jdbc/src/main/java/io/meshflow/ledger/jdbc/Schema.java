package io.meshflow.ledger.jdbc;

import io.meshflow.ledger.LedgerException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * The ledger's schema versions, applied by Flyway from {@code db/migration/<dialect>} with the history kept in {@link
 * #HISTORY_TABLE}. Before anything is changed, {@link #check} refuses databases that are not MeshFlow ledgers or whose
 * schema is newer than this code.
 */
final class Schema {
    /** The newest schema version this code knows: the highest {@code V<n>__} migration of each dialect. */
    static final int VERSION = 11;

    /** Flyway's history table; its presence is what marks a database as a MeshFlow ledger. */
    static final String HISTORY_TABLE = "meshflow_schema_history";

    private Schema() {}

    /** Flyway configured for the ledger; tests add a target to build old schema versions. */
    static FluentConfiguration flyway(DataSource dataSource, Dialect dialect) {
        return Flyway.configure(Schema.class.getClassLoader())
                .dataSource(dataSource)
                .locations(dialect.migrations())
                .table(HISTORY_TABLE)
                .failOnMissingLocations(true)
                .cleanDisabled(true);
    }

    /**
     * Refuses, reading only, a database that is not empty and not a MeshFlow ledger, or whose schema is newer than
     * {@link #VERSION}.
     *
     * @throws LedgerException naming the database and the reason
     */
    static void check(Connection c, Dialect dialect, String where) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(dialect.listTables())) {
            while (rs.next()) {
                tables.add(rs.getString(1).toLowerCase(Locale.ROOT));
            }
        }
        if (tables.isEmpty()) {
            return;
        }
        if (!tables.contains(HISTORY_TABLE)) {
            tables.sort(null);
            throw new LedgerException(where + " is not a MeshFlow ledger: it holds tables " + tables + " but no "
                    + HISTORY_TABLE + "; refusing to change it");
        }
        int newest = 0;
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT version, success FROM " + HISTORY_TABLE)) {
            while (rs.next()) {
                String version = rs.getString(1);
                if (version == null) {
                    continue;
                }
                int v;
                try {
                    v = Integer.parseInt(version.trim());
                } catch (NumberFormatException e) {
                    throw new LedgerException(where + " has schema version '" + version
                            + "', which this MeshFlow does not know; refusing to change it");
                }
                if (!rs.getBoolean(2)) {
                    throw new LedgerException(where + ": the migration to schema version " + v
                            + " failed earlier; refusing to change the database until it is repaired by hand");
                }
                newest = Math.max(newest, v);
            }
        }
        if (newest > VERSION) {
            throw new LedgerException(where + " has schema version " + newest
                    + ", newer than this MeshFlow knows (" + VERSION
                    + "); use a newer MeshFlow to open it. Nothing was changed");
        }
    }

    /**
     * Applies the migrations that are missing; does nothing on an up-to-date database.
     *
     * @throws LedgerException when a migration fails
     */
    static void migrate(DataSource dataSource, Dialect dialect, String where) {
        try {
            flyway(dataSource, dialect).load().migrate();
        } catch (FlywayException e) {
            throw new LedgerException("cannot migrate the ledger schema of " + where + ": " + e.getMessage(), e);
        }
    }
}
