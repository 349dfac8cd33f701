package io.meshflow.ledger.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class SchemaFilesTest {
    @Test
    void eachDialect_hasMigrationsV1ToTheVersionTheCodeKnows() throws Exception {
        for (String dialect : List.of("sqlite", "postgresql")) {
            URL dir = getClass().getClassLoader().getResource("db/migration/" + dialect);
            assertThat(dir).as(dialect).isNotNull();
            List<Integer> versions;
            try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
                versions = files.map(p -> p.getFileName().toString())
                        .map(n -> Integer.parseInt(n.substring(1, n.indexOf("__"))))
                        .sorted()
                        .toList();
            }
            // versions may leave a gap (a version another line of work owns) but start at 1 and end at the newest
            assertThat(versions)
                    .as(dialect)
                    .startsWith(1)
                    .endsWith(Schema.VERSION)
                    .isSorted();
            assertThat(versions).as(dialect).doesNotHaveDuplicates();
        }
    }

    @Test
    void urls_areRedacted_andSqliteFilesParsed() {
        assertThat(JdbcUrls.redact("jdbc:postgresql://h/db?user=u&password=secret&ssl=true"))
                .isEqualTo("jdbc:postgresql://h/db?user=u&password=***&ssl=true");
        assertThat(JdbcUrls.sqliteFile("jdbc:sqlite:./.meshflow/ledger.db?foo=1"))
                .isEqualTo(Path.of("./.meshflow/ledger.db"));
        assertThat(JdbcUrls.sqliteFile("jdbc:sqlite:file:/tmp/x.db")).isEqualTo(Path.of("/tmp/x.db"));
    }
}
