package io.meshflow.ledger.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/** Runs units of work that write, each in a transaction: all of a unit is committed or none of it. */
interface Transactions extends AutoCloseable {
    /** One unit of writing work; it must not commit, roll back or change auto-commit. */
    @FunctionalInterface
    interface Work {
        void run(Connection connection) throws SQLException;
    }

    /**
     * Runs the work in a transaction and returns once it has committed.
     *
     * @throws SQLException when the work or the commit failed; nothing of the work is then recorded
     */
    void execute(Work work) throws SQLException;

    @Override
    void close();
}
