package io.meshflow.workflow.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.RunStatus;
import io.meshflow.provider.ChatMessage;
import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolRegistry;
import io.meshflow.tool.ToolResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Agents' tools: in workflow files, and scripted replies that call them. */
class WorkflowToolsTest {
    private static final Tool UPPER = Tool.of(
            "upper",
            "Upper-cases text.",
            MeshJson.parse("{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},"
                    + "\"required\":[\"text\"]}"),
            args -> ToolResult.success(args.path("text").asText().toUpperCase(java.util.Locale.ROOT)));

    private final WorkflowLoader loader =
            WorkflowLoader.builder().tools(ToolRegistry.of(UPPER)).build();

    @Test
    void agentTools_areResolvedFromTheRegistry_andScriptedToolCallsRunThem() {
        WorkflowFile file = loader.load("""
                name: shout
                agents:
                  - id: a
                    tools: [upper]
                    script:
                      - tool: upper
                        arguments: {text: hello}
                      - tool_calls:
                          - {tool: upper, arguments: {text: one}}
                          - {tool: upper, arguments: {text: two}}
                        text: "Both at once."
                      - "Done: {{input}}"
                nodes:
                  - {id: n, agent: a}
                """, "shout.yaml");

        RunResult result = Mesh.builder().provider(file.scripted()).build().run(file.workflow(), "go");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        List<ChatMessage> last = file.scripted().requests().get(2).messages();
        assertThat(last)
                .filteredOn(m -> m.role() == ChatMessage.Role.TOOL)
                .extracting(ChatMessage::content)
                .containsExactly("HELLO", "ONE", "TWO");
        assertThat(file.scripted().requests().get(0).tools())
                .extracting(t -> t.name())
                .containsExactly("upper");
    }

    @Test
    void unknownToolNames_andMalformedScriptedCalls_areReportedWithTheirLine() {
        List<String> problems = loader.validate("""
                name: x
                agents:
                  - id: a
                    tools: [uper, 3]
                    script:
                      - tool: upper
                        arguments: [1]
                mcp_servers:
                  upper: {command: x}
                nodes:
                  - {id: n, agent: a}
                """, "x.yaml");

        assertThat(problems)
                .containsExactly(
                        "x.yaml:9: mcp_servers: MCP server name 'upper' is also the name of a tool; agents' tools:"
                                + " could not tell them apart, so give the server another name",
                        "x.yaml:7: agent 'a': script reply #1: arguments must be a mapping of the tool's arguments,"
                                + " got a list",
                        "x.yaml:4: agent 'a': unknown tool 'uper' (did you mean 'upper'?); known tools: upper",
                        "x.yaml:4: agent 'a': unknown tool '3'; known tools: upper");
    }

    @Test
    void mcpServers_withoutAToolServerFactoryOnTheClasspath_sayWhichModuleToAdd() {
        List<String> problems = loader.validate("""
                name: x
                mcp_servers:
                  notes: {command: notes-server}
                agents:
                  - {id: a, tools: [notes]}
                nodes:
                  - {id: n, agent: a}
                """, "x.yaml");

        assertThat(problems)
                .containsExactly("x.yaml:3: mcp_servers: MCP server 'notes': no ToolServerFactory is on the classpath;"
                        + " add module io.meshflow:meshflow-tools to use mcp_servers:");
    }
}
