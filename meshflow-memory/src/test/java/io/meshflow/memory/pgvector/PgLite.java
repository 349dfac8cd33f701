package io.meshflow.memory.pgvector;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;

/**
 * PostgreSQL with pgvector for the tests: the PGlite server of {@code tools/pglite} on 127.0.0.1:55432
 * ({@code MESHFLOW_PGLITE_URL} overrides). {@code .ci/run} starts it; when it is not running, this starts it (after
 * {@code npm ci}) unless {@code CI=true}, where a missing server fails the tests instead of skipping them.
 * {@code MESHFLOW_PGLITE_URL} may point at a real PostgreSQL with pgvector instead.
 */
final class PgLite {
    static final String URL = System.getenv()
            .getOrDefault(
                    "MESHFLOW_PGLITE_URL",
                    "jdbc:postgresql://127.0.0.1:55432/postgres?user=postgres&sslmode=disable&prepareThreshold=0");
    static final String PLAIN_POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

    private static @Nullable HikariDataSource dataSource;

    private PgLite() {}

    /** A pool of at most 2 connections to the pgvector server, started if needed. */
    static synchronized HikariDataSource dataSource() {
        HikariDataSource ds = dataSource;
        if (ds != null) {
            return ds;
        }
        if (!reachable(URL)) {
            start();
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(URL);
        // PGlite is one PostgreSQL session behind the socket: connections share it, so one connection at a time
        // (and no named server-side prepared statements, prepareThreshold=0) keeps transactions apart
        config.setMaximumPoolSize(1);
        config.setMinimumIdle(1);
        ds = new HikariDataSource(config);
        dataSource = ds;
        return ds;
    }

    static boolean reachable(String url) {
        try (Connection c = DriverManager.getConnection(url)) {
            return c.isValid(5);
        } catch (SQLException e) {
            return false;
        }
    }

    /** Fails under CI, skips elsewhere, when a database the test needs is not there. */
    static void require(boolean available, String what) {
        if (!available && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException(what + " is not reachable; on CI .ci/run provides it");
        }
        Assumptions.assumeTrue(available, what + " is not reachable; skipping outside CI");
    }

    private static void start() {
        Path dir = Path.of("..", "tools", "pglite").toAbsolutePath().normalize();
        try {
            if (!Files.isDirectory(dir.resolve("node_modules"))) {
                run(dir, "npm", "ci", "--no-audit", "--no-fund");
            }
            ProcessBuilder pb = new ProcessBuilder(
                            "node",
                            "node_modules/@electric-sql/pglite-socket/dist/scripts/server.js",
                            "-p",
                            "55432",
                            "-m",
                            "4",
                            "-e",
                            "@electric-sql/pglite-pgvector:vector")
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(new File("target/pglite.log"));
            Process p = pb.start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
            for (int i = 0; i < 60 && !reachable(URL); i++) {
                Thread.sleep(500);
            }
        } catch (IOException e) {
            // no node or npm here: handled below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        require(reachable(URL), "the PGlite pgvector server (tools/pglite, port 55432)");
    }

    private static void run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(new File("target/npm-ci.log"))
                .start();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed; see target/npm-ci.log");
        }
    }
}
