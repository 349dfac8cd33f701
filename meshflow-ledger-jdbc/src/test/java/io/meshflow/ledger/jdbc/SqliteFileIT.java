package io.meshflow.ledger.jdbc;

import static io.meshflow.ledger.jdbc.Records.recordRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ledger.LedgerException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only applies to SQLite files. */
class SqliteFileIT {
    @TempDir
    @SuppressWarnings("NullAway.Init")
    Path tempDir;

    @Test
    void newLedger_createsParentDirectories_inWalMode_andSurvivesReopening() throws Exception {
        Path file = tempDir.resolve("a/b/.meshflow/ledger.db");
        try (JdbcLedger ledger = JdbcLedger.open("jdbc:sqlite:" + file)) {
            recordRun(ledger, "acme", "r1", 3);
        }
        assertThat(file).exists();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("wal");
        }
        try (JdbcLedger ledger = JdbcLedger.open("jdbc:sqlite:" + file)) {
            assertThat(ledger.verifyChain("acme", "r1")).isEqualTo(ChainVerification.ok("acme", "r1", 3));
        }
    }

    @Test
    void writeAheadLog_isCopiedIntoTheDatabaseInTheBackground_whileTheLedgerIsOpen() throws Exception {
        Path file = tempDir.resolve("wal/ledger.db");
        try (JdbcLedger ledger = JdbcLedger.open("jdbc:sqlite:" + file)) {
            long before = Files.size(file);
            // about 2 MB of records: far below the writer's own backstop, so only the background thread checkpoints
            ledger.runStarted(Records.run("acme", "r1"));
            String output = "x".repeat(1_200);
            for (int seq = 1; seq <= 1_500; seq++) {
                ledger.append(Records.step("acme", "r1", seq, output));
            }
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (Files.size(file) < before + 1_000_000 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(Files.size(file)).isGreaterThan(before + 1_000_000);
            assertThat(ledger.verifyChain("acme", "r1").recordsChecked()).isEqualTo(1_500);
        }
    }

    @Test
    void fileThatIsNotADatabase_isRefused_andLeftUnchanged() throws Exception {
        Path file = tempDir.resolve("notes.db");
        byte[] content = "these are my notes, not a database\n".repeat(200).getBytes(StandardCharsets.UTF_8);
        Files.write(file, content);

        assertThatThrownBy(() -> JdbcLedger.open("jdbc:sqlite:" + file))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("is not a MeshFlow ledger");

        assertThat(Files.readAllBytes(file)).isEqualTo(content);
    }

    @Test
    void inMemoryUrl_isRefused() {
        assertThatThrownBy(() -> JdbcLedger.open("jdbc:sqlite::memory:"))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("InMemoryLedger");
        assertThatThrownBy(() -> JdbcLedger.open("jdbc:h2:mem:x"))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("unsupported ledger URL");
    }
}
