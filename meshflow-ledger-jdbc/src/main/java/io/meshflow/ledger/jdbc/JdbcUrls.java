package io.meshflow.ledger.jdbc;

import io.meshflow.ledger.LedgerException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/** Parsing and printing ledger URLs. */
final class JdbcUrls {
    private static final Pattern PASSWORD = Pattern.compile("(?i)(password=)[^&;]*");

    private JdbcUrls() {}

    /** The URL with any password replaced by {@code ***}, fit for messages and logs. */
    static String redact(String url) {
        return PASSWORD.matcher(url).replaceAll("$1***");
    }

    /**
     * The database file of a SQLite URL.
     *
     * @throws LedgerException for an in-memory or empty SQLite URL
     */
    static Path sqliteFile(String url) {
        String rest = url.substring("jdbc:sqlite:".length());
        int query = rest.indexOf('?');
        String options = query >= 0 ? rest.substring(query + 1).toLowerCase(Locale.ROOT) : "";
        if (query >= 0) {
            rest = rest.substring(0, query);
        }
        if (rest.startsWith("file:")) {
            rest = rest.substring("file:".length());
        }
        if (rest.isBlank() || rest.equals(":memory:") || options.contains("mode=memory")) {
            throw new LedgerException("the JDBC ledger needs a SQLite file, not '" + url
                    + "'; use InMemoryLedger for a ledger that need not survive the process");
        }
        return Path.of(rest);
    }
}
