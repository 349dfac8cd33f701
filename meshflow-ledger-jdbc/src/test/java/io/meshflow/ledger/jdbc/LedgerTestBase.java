package io.meshflow.ledger.jdbc;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/**
 * A fresh database per test on the back end the subclass is parameterised with ({@code @ParameterizedClass
 * @EnumSource(Backend.class)}), and the ledgers opened on it, closed after the test.
 */
abstract class LedgerTestBase {
    @Parameter
    @SuppressWarnings("NullAway.Init")
    Backend backend;

    @TempDir
    @SuppressWarnings("NullAway.Init")
    Path tempDir;

    @SuppressWarnings("NullAway.Init")
    TestDb db;

    private final List<JdbcLedger> opened = new ArrayList<>();

    @BeforeEach
    void createDatabase() throws Exception {
        db = TestDb.create(backend, tempDir, getClass().getSimpleName());
    }

    @AfterEach
    void dropDatabase() throws Exception {
        for (JdbcLedger l : opened) {
            l.close();
        }
        db.close();
    }

    JdbcLedger open() {
        return track(db.open());
    }

    JdbcLedger track(JdbcLedger ledger) {
        opened.add(ledger);
        return ledger;
    }
}
