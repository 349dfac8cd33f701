package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GovernanceCommandsTest {

    private static Map<String, String> env(Path dir) {
        return Map.of(
                LedgerOption.VARIABLE,
                "jdbc:sqlite:" + dir.resolve("ledger.db"),
                KeyStoreOption.VARIABLE,
                dir.resolve("keys.json").toString());
    }

    private static Cli.Outcome run(Path dir, String... args) {
        return Cli.run(env(dir), false, args);
    }

    private static String runId(String out) {
        Matcher m = Pattern.compile("run ([0-9a-f-]{36}) (COMPLETED|BLOCKED|FAILED)")
                .matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return m.group(1);
    }

    private static void createIdentities(Path dir) {
        assertThat(run(dir, "identity", "create", "researcher", "--tools", "calculator", "--delegate-to", "writer")
                        .exitCode())
                .isZero();
        assertThat(run(dir, "identity", "create", "writer", "--delegate-to", "critic")
                        .exitCode())
                .isZero();
        assertThat(run(dir, "identity", "create", "critic").exitCode()).isZero();
    }

    @Test
    void identityCreateListRevoke_keepKeysInTheStoreAndRevocationsInTheLedger(@TempDir Path dir) {
        Cli.Outcome created = run(dir, "identity", "create", "analyst", "--tools", "search,calculator");
        Cli.Outcome list = run(dir, "identity", "list");
        Cli.Outcome revoked = run(dir, "identity", "revoke", "analyst", "--reason", "rotated", "--by", "ops");
        Cli.Outcome after = run(dir, "identity", "list");

        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(created.out()).containsPattern("created identity for agent analyst: did:key:z6Mk\\w+");
        assertThat(Files.exists(dir.resolve("keys.json"))).isTrue();
        assertThat(list.out()).contains("analyst").contains("active").contains("tools=[calculator, search]");
        assertThat(revoked.exitCode()).isZero();
        assertThat(revoked.out()).contains("by ops: rotated");
        assertThat(after.out()).contains("REVOKED").contains("(rotated)");
    }

    @Test
    void identityCreateTwice_andRevokeOfAnUnknownAgent_exit2(@TempDir Path dir) {
        run(dir, "identity", "create", "analyst");

        Cli.Outcome again = run(dir, "identity", "create", "analyst");
        Cli.Outcome unknown = run(dir, "identity", "revoke", "nobody", "--reason", "x");
        Cli.Outcome noReason = run(dir, "identity", "revoke", "analyst");

        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err()).contains("already has identity");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("no identity for 'nobody'");
        assertThat(noReason.exitCode()).isEqualTo(2);
        assertThat(noReason.err()).contains("--reason");
    }

    @Test
    void audit_reportsChecksSignaturesAndFindings_andRevocationBlocksTheNextRun(@TempDir Path dir) {
        createIdentities(dir);
        Cli.Outcome first = run(dir, "run", Fixtures.example("governance.yaml"), "--no-color");
        String id = runId(first.out());

        Cli.Outcome audit = run(dir, "audit", id);
        run(dir, "identity", "revoke", "writer", "--reason", "stolen");
        Cli.Outcome second = run(dir, "run", Fixtures.example("governance.yaml"), "--no-color");
        Cli.Outcome blockedAudit = run(dir, "audit", runId(second.out()));

        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(audit.exitCode()).isZero();
        assertThat(audit.out())
                .contains("chain: intact, 3 records verified")
                .contains("signature: valid (did:key:z6Mk")
                .contains("[collusion/rubber_stamp WARN]")
                .contains("summary: 3/3 steps passed every check, 3 signed, 0 bad signatures, 1 findings");
        assertThat(second.exitCode()).isEqualTo(3);
        assertThat(blockedAudit.out())
                .contains("FAILED identity / rule revoked_identity")
                .contains("unsigned");
    }

    @Test
    void audit_ofATamperedSignature_exits1_andOfAnUnknownRun_exits2(@TempDir Path dir) throws Exception {
        createIdentities(dir);
        String id = runId(run(dir, "run", Fixtures.example("governance.yaml"), "--no-color")
                .out());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE step_signatures SET signature = 'AAAA' WHERE seq = 2");
        }

        Cli.Outcome audit = run(dir, "audit", id);
        Cli.Outcome verify = run(dir, "verify", id);
        Cli.Outcome unknown = run(dir, "audit", "no-such-run");

        assertThat(audit.exitCode()).isEqualTo(1);
        assertThat(audit.out()).contains("signature: invalid").contains("1 bad signatures");
        assertThat(verify.exitCode()).isEqualTo(1);
        assertThat(verify.out()).contains("BAD_SIGNATURE");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("no-such-run");
    }

    @Test
    void functionStep_isSignedByTheEngineIdentity_andRevokingItBlocksTheNextOne(@TempDir Path dir) throws Exception {
        Path workflow = dir.resolve("stamp.yaml");
        Files.writeString(workflow, """
                name: stamp
                task: stamp the form
                nodes:
                  - {id: stamp, function: identity}
                """);
        assertThat(run(dir, "identity", "create", "analyst").exitCode()).isZero();
        Cli.Outcome before = run(dir, "identity", "revoke", "meshflow:engine", "--reason", "too early");

        Cli.Outcome first = run(dir, "run", workflow.toString(), "--no-color");
        assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
        Cli.Outcome audit = run(dir, "audit", runId(first.out()));
        Cli.Outcome list = run(dir, "identity", "list");
        Cli.Outcome revoke = run(dir, "identity", "revoke", "meshflow:engine", "--reason", "key leaked");
        Cli.Outcome second = run(dir, "run", workflow.toString(), "--no-color");

        assertThat(before.exitCode())
                .as("no engine identity before the first run")
                .isEqualTo(2);
        assertThat(audit.out())
                .contains("signature: valid (did:key:z6Mk")
                .contains("summary: 1/1 steps passed every check, 1 signed, 0 bad signatures");
        assertThat(list.out()).contains("meshflow:engine");
        assertThat(revoke.exitCode()).as(revoke.err()).isZero();
        assertThat(second.exitCode()).isEqualTo(3);
        assertThat(second.out()).contains("BLOCKED identity/revoked_identity").contains("key leaked");
    }
}
