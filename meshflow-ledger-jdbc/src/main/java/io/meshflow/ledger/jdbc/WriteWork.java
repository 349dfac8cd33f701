package io.meshflow.ledger.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/** A unit of writing work, run inside a transaction that {@link LedgerWriter} opens and commits. */
@FunctionalInterface
interface WriteWork {
    /** Writes; must not commit, roll back or change auto-commit. */
    void run(Connection connection) throws SQLException;
}
