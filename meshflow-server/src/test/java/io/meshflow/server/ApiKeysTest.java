package io.meshflow.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {
    @TempDir
    Path dir;

    @Test
    void parse_entriesWithAndWithoutTenantAndRole() {
        ApiKeys keys = ApiKeys.parse(" plain-key-0001 , tenant-key-0002:acme,admin-key-0003:ops:admin ", "dflt");
        assertThat(keys.size()).isEqualTo(3);
        assertThat(keys.authenticate("plain-key-0001")).contains(new Principal("dflt", Role.USER));
        assertThat(keys.authenticate("tenant-key-0002")).contains(new Principal("acme", Role.USER));
        assertThat(keys.authenticate("admin-key-0003")).contains(new Principal("ops", Role.ADMIN));
    }

    @Test
    void authenticate_unknownEmptyOrNullKey_isEmpty() {
        ApiKeys keys = ApiKeys.parse("good-key-0001:acme", "default");
        assertThat(keys.authenticate("good-key-0002")).isEmpty();
        assertThat(keys.authenticate("good-key-000")).isEmpty();
        assertThat(keys.authenticate("")).isEmpty();
        assertThat(keys.authenticate(null)).isEmpty();
        assertThat(ApiKeys.none().authenticate("good-key-0001")).isEmpty();
    }

    @Test
    void badEntries_areRefused_withoutEchoingTheKey() {
        assertThatThrownBy(() -> ApiKeys.parse("short", "default"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("entry 1")
                .hasMessageNotContaining("short");
        assertThatThrownBy(() -> ApiKeys.parse("ok-key-00001:acme:root", "default"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("unknown role 'root'");
        assertThatThrownBy(() -> ApiKeys.parse("ok-key-00001:bad tenant", "default"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("tenant");
        assertThatThrownBy(() -> ApiKeys.parse("ok-key-00001:a:user:extra", "default"))
                .isInstanceOf(ValidationException.class);
    }

    @Test
    void readFile_skipsCommentsAndBlankLines() throws Exception {
        Path file = dir.resolve("keys");
        Files.writeString(file, "# keys\n\nfile-key-0001:acme\n  file-key-0002:globex:admin  \n");
        ApiKeys keys = ApiKeys.readFile(file, "default");
        assertThat(keys.size()).isEqualTo(2);
        assertThat(keys.authenticate("file-key-0002")).contains(new Principal("globex", Role.ADMIN));
        assertThatThrownBy(() -> ApiKeys.readFile(dir.resolve("missing"), "default"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("cannot read the key file");
    }

    @Test
    void keysAreKeptOnlyAsHashes() {
        ApiKeys keys = ApiKeys.parse("secret-key-0001:acme", "default");
        assertThat(keys.toString()).doesNotContain("secret").isEqualTo("ApiKeys[1 keys]");
        assertThat(ApiKeys.hash("secret-key-0001")).hasSize(32);
    }
}
