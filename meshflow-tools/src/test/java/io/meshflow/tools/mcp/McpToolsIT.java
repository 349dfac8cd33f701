package io.meshflow.tools.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.Mesh;
import io.meshflow.MeshFlowException;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.ValidationException;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.event.MeshEvent;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.RunStatus;
import io.meshflow.provider.ChatMessage;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.provider.ScriptedReply;
import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolResult;
import io.meshflow.workflow.yaml.WorkflowFile;
import io.meshflow.workflow.yaml.WorkflowLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A real MCP server (a subprocess speaking stdio) provides tools that agents call end to end. */
class McpToolsIT {
    private static final String JAVA =
            Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final List<String> ARGS =
            List.of("-cp", System.getProperty("java.class.path"), NotesMcpServer.class.getName());

    private static McpTools connect() {
        return McpTools.from("notes", new McpEndpoint.Stdio(JAVA, ARGS, Map.of()), McpTools.DEFAULT_TIMEOUT);
    }

    @Test
    void stdioServer_toolsAreListedWithTheirSchemas_andNamesMadeSafe() {
        try (McpTools notes = connect()) {
            assertThat(notes.tools()).extracting(Tool::name).containsExactlyInAnyOrder("word_count", "always_fails");
            Tool wordCount = notes.tools().stream()
                    .filter(t -> t.name().equals("word_count"))
                    .findFirst()
                    .orElseThrow();
            assertThat(wordCount.description()).isEqualTo("Counts the words of a text.");
            assertThat(wordCount.inputSchema())
                    .isEqualTo(MeshJson.parse("{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\","
                            + "\"description\":\"the text\"}},\"required\":[\"text\"]}"));
            assertThat(wordCount.call(MeshJson.parse("{\"text\":\"one two three\"}")))
                    .isEqualTo(ToolResult.success("3 words"));
            Tool fails = notes.tools().stream()
                    .filter(t -> t.name().equals("always_fails"))
                    .findFirst()
                    .orElseThrow();
            assertThat(fails.call(MeshJson.parse("{}"))).isEqualTo(ToolResult.error("the notes store is offline"));
        }
    }

    @Test
    void agent_callsAnMcpTool_endToEnd() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent(
                        "editor",
                        List.of(
                                ScriptedReply.toolCall("word_count", "{\"text\": \"the quick brown fox\"}"),
                                ScriptedReply.text("The draft has 4 words.")))
                .build();
        List<MeshEvent> events = Collections.synchronizedList(new ArrayList<>());
        try (McpTools notes = connect()) {
            Agent editor = Agent.builder("editor").tools(notes.tools()).build();

            RunResult result = Mesh.builder()
                    .provider(model)
                    .build()
                    .run(RunRequest.builder("count the words")
                            .workflow(Team.sequential("t", editor))
                            .sink(events::add)
                            .build());

            assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(result.output()).isEqualTo("The draft has 4 words.");
            assertThat(model.requests().get(1).messages())
                    .filteredOn(m -> m.role() == ChatMessage.Role.TOOL)
                    .extracting(ChatMessage::content)
                    .containsExactly("4 words");
            assertThat(events)
                    .filteredOn(e -> e instanceof MeshEvent.ToolResult)
                    .extracting(e -> ((MeshEvent.ToolResult) e).content())
                    .containsExactly("4 words");
        }
    }

    @Test
    void workflowFile_namesAnMcpServer_andItsAgentCallsTheServersTool() {
        String yaml = """
                name: mcp-notes
                mcp_servers:
                  notes:
                    command: %s
                    args: %s
                agents:
                  - id: editor
                    tools: [notes/word_count, calculator]
                    script:
                      - tool: word_count
                        arguments: {text: "five words in this text"}
                      - tool: calculator
                        arguments: {expression: "5 * 60 / 200"}
                      - "Five words: about 1.5 minutes to read."
                nodes:
                  - {id: count, agent: editor}
                """.formatted(MeshJson.write(JAVA), MeshJson.write(ARGS));
        try (WorkflowFile file = WorkflowLoader.builder().build().load(yaml, "mcp-notes.yaml")) {
            assertThat(file.toolServers()).hasSize(1);

            RunResult result = Mesh.builder().provider(file.scripted()).build().run(file.workflow(), "go");

            assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(file.scripted().requests().get(2).messages())
                    .filteredOn(m -> m.role() == ChatMessage.Role.TOOL)
                    .extracting(ChatMessage::content)
                    .containsExactly("5 words", "1.5");
        }
    }

    @Test
    void workflowFile_withAnUnknownToolOfAServer_orBadSettings_listsTheProblems() {
        String yaml = """
                name: x
                mcp_servers:
                  notes: {command: %s, args: %s}
                  broken: {url: "http://127.0.0.1:1/mcp", command: x}
                agents:
                  - {id: a, tools: [notes/word_cont]}
                nodes:
                  - {id: n, agent: a}
                """.formatted(MeshJson.write(JAVA), MeshJson.write(ARGS));

        List<String> problems = WorkflowLoader.builder().build().validate(yaml, "x.yaml");

        assertThat(problems)
                .containsExactly(
                        "x.yaml:4: MCP server 'broken': give either command: (a server started as a subprocess) or"
                                + " url: (a streamable-HTTP server)",
                        "x.yaml:6: agent 'a': MCP server 'notes' has no tool 'word_cont' (did you mean"
                                + " 'word_count'?); its tools: word_count, always_fails");
    }

    @Test
    void unreachableServer_failsWithAClearMessage() {
        assertThatThrownBy(() -> McpTools.from(
                        "ghost",
                        new McpEndpoint.Stdio("/nonexistent/mcp-server", List.of(), Map.of()),
                        java.time.Duration.ofSeconds(5)))
                .isInstanceOf(MeshFlowException.class)
                .hasMessageStartingWith("MCP server 'ghost' (command /nonexistent/mcp-server): ");
        assertThatThrownBy(() -> new McpToolServerFactory().connect("x", Map.of("url", "ftp://x")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("the url of an MCP server must be http(s)");
    }
}
