package io.meshflow.tools.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.concurrent.CountDownLatch;

/**
 * A tiny MCP server over stdio for the tests, started as a subprocess with the test class path: tool
 * {@code word_count(text)} counts words, tool {@code always.fails} answers with an error.
 */
public final class NotesMcpServer {
    private NotesMcpServer() {}

    public static void main(String[] args) throws InterruptedException {
        JacksonMcpJsonMapper json = new JacksonMcpJsonMapper(new ObjectMapper());
        McpSchema.Tool wordCount = McpSchema.Tool.builder(
                        "word_count",
                        json,
                        "{\"type\": \"object\", \"properties\": {\"text\": {\"type\": \"string\","
                                + " \"description\": \"the text\"}}, \"required\": [\"text\"]}")
                .description("Counts the words of a text.")
                .build();
        McpSchema.Tool fails = McpSchema.Tool.builder(
                        "always.fails", json, "{\"type\": \"object\", \"properties\": {}}")
                .description("Always fails.")
                .build();
        McpSyncServer server = McpServer.sync(new StdioServerTransportProvider(json))
                .serverInfo("notes", "1.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
                .tools(
                        McpServerFeatures.SyncToolSpecification.builder()
                                .tool(wordCount)
                                .callHandler((exchange, request) -> {
                                    String text = String.valueOf(
                                                    request.arguments().get("text"))
                                            .strip();
                                    int words = text.isEmpty() ? 0 : text.split("\\s+", -1).length;
                                    return McpSchema.CallToolResult.builder()
                                            .addTextContent(words + " words")
                                            .build();
                                })
                                .build(),
                        McpServerFeatures.SyncToolSpecification.builder()
                                .tool(fails)
                                .callHandler((exchange, request) -> McpSchema.CallToolResult.builder()
                                        .addTextContent("the notes store is offline")
                                        .isError(true)
                                        .build())
                                .build())
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        new CountDownLatch(1).await(); // serve until the client stops this process
    }
}
