package io.meshflow.ledger.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Each unit of work in its own transaction on a pooled connection: real concurrency, used on PostgreSQL. Appends to
 * one run serialise on the lock of the run's row ({@code SELECT ... FOR UPDATE}); other runs go on in parallel.
 */
final class PooledTransactions implements Transactions {
    private final DataSource pool;

    PooledTransactions(DataSource pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Work work) throws SQLException {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                work.run(c);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            }
        }
    }

    @Override
    public void close() {
        // the pool belongs to the ledger
    }
}
