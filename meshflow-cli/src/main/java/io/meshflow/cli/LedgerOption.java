package io.meshflow.cli;

import io.meshflow.ledger.jdbc.JdbcLedger;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The {@code --ledger} option shared by every command that touches the ledger: a JDBC URL, else
 * {@code MESHFLOW_LEDGER_URL}, else the embedded SQLite file {@code .meshflow/ledger.db} in the current directory.
 */
final class LedgerOption {
    /** The ledger used when neither the option nor the variable names one. */
    static final String DEFAULT_URL = "jdbc:sqlite:.meshflow/ledger.db";

    /** The environment variable naming the ledger. */
    static final String VARIABLE = "MESHFLOW_LEDGER_URL";

    @Option(
            names = "--ledger",
            paramLabel = "JDBC-URL",
            description = {
                "The audit ledger: jdbc:sqlite:<file> or jdbc:postgresql://host:port/db?user=...",
                "Default: $MESHFLOW_LEDGER_URL, else " + DEFAULT_URL + "."
            })
    private @Nullable String url;

    /** The URL in force. */
    String url(CliEnvironment environment) {
        String given = url;
        if (given != null) {
            return given;
        }
        String variable = environment.variable(VARIABLE);
        return variable != null ? variable : DEFAULT_URL;
    }

    /** The URL as it may be shown: a password in it is masked. */
    static String display(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    /**
     * Opens the ledger, migrating its schema if needed.
     *
     * @throws io.meshflow.ledger.LedgerException when it cannot be opened, is not a MeshFlow ledger, or is newer
     */
    JdbcLedger open(CliEnvironment environment) {
        return JdbcLedger.open(url(environment));
    }

    /** Says on standard error that the tenant has no such run in this ledger, and returns the usage exit code. */
    int noSuchRun(CliEnvironment environment, String tenant, String runId) {
        environment
                .err()
                .println("meshflow: no run " + runId + " in tenant '" + tenant + "' of " + display(url(environment)));
        return ExitCode.USAGE.code();
    }
}
