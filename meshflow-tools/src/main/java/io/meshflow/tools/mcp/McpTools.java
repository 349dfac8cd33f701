package io.meshflow.tools.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshflow.MeshFlowException;
import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolResult;
import io.meshflow.tool.ToolServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tools of a Model Context Protocol server, as MeshFlow {@link Tool}s with the input schemas the server declares.
 *
 * <pre>{@code
 * try (McpTools files = McpTools.from(McpEndpoint.stdio("npx", "-y", "@modelcontextprotocol/server-filesystem", "."))) {
 *     Agent agent = Agent.builder("clerk").tools(files.tools()).build();
 *     ...
 * }
 * }</pre>
 *
 * Connecting starts the server (stdio) or opens the session (HTTP), runs the MCP handshake and lists the tools.
 * Tool names are kept, except that characters MeshFlow does not allow in names become {@code _}. A call sends the
 * model's arguments to the server; the text of its answer is the result, and an answer flagged {@code isError} or a
 * failed call is an error result. Close the connection when done (stopping a stdio server).
 */
public final class McpTools implements ToolServer {
    private static final Logger LOG = LoggerFactory.getLogger(McpTools.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** How long the handshake and each call may take unless configured otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final McpSyncClient client;
    private final List<Tool> tools;
    private final AtomicBoolean closed = new AtomicBoolean();

    private McpTools(String name, McpSyncClient client, List<Tool> tools) {
        this.name = name;
        this.client = client;
        this.tools = List.copyOf(tools);
    }

    /**
     * Connects to a server, named {@code mcp}.
     *
     * @throws MeshFlowException when the server cannot be started or reached, or the handshake fails
     */
    public static McpTools from(McpEndpoint endpoint) {
        return from("mcp", endpoint, DEFAULT_TIMEOUT);
    }

    /**
     * Connects to a server.
     *
     * @param name the name messages use for the server
     * @param timeout how long the handshake and each tool call may take
     * @throws MeshFlowException when the server cannot be started or reached, or the handshake fails
     */
    public static McpTools from(String name, McpEndpoint endpoint, Duration timeout) {
        JacksonMcpJsonMapper json = new JacksonMcpJsonMapper(MAPPER);
        McpClientTransport transport = switch (endpoint) {
            case McpEndpoint.Stdio stdio -> {
                StdioClientTransport t = new StdioClientTransport(
                        ServerParameters.builder(stdio.command())
                                .args(stdio.args())
                                .env(stdio.env())
                                .build(),
                        json);
                t.setStdErrorHandler(line -> LOG.debug("MCP server {}: {}", name, line));
                yield t;
            }
            case McpEndpoint.Http http -> {
                URI url = http.url();
                String base = url.getScheme() + "://" + url.getRawAuthority();
                String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/mcp" : url.getRawPath();
                if (url.getRawQuery() != null) {
                    path += "?" + url.getRawQuery();
                }
                java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder();
                http.headers().forEach(request::header);
                yield HttpClientStreamableHttpTransport.builder(base)
                        .endpoint(path)
                        .jsonMapper(json)
                        .requestBuilder(request)
                        .connectTimeout(timeout)
                        .build();
            }
        };
        McpSyncClient client = McpClient.sync(transport)
                .requestTimeout(timeout)
                .initializationTimeout(timeout)
                .clientInfo(
                        McpSchema.Implementation.builder("meshflow", "0.1.0").build())
                .build();
        try {
            client.initialize();
            List<McpSchema.Tool> listed = new ArrayList<>();
            String cursor = null;
            do {
                McpSchema.ListToolsResult page = cursor == null ? client.listTools() : client.listTools(cursor);
                listed.addAll(page.tools());
                cursor = page.nextCursor();
            } while (cursor != null && !cursor.isEmpty());
            List<Tool> tools = new ArrayList<>();
            Set<String> names = new HashSet<>();
            for (McpSchema.Tool tool : listed) {
                String toolName = uniqueName(safeName(tool.name()), names);
                tools.add(wrap(name, client, tool, toolName));
            }
            return new McpTools(name, client, tools);
        } catch (RuntimeException e) {
            closeQuietly(client);
            throw new MeshFlowException("MCP server '" + name + "' (" + describe(endpoint) + "): " + message(e), e);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<Tool> tools() {
        return tools;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            closeQuietly(client);
        }
    }

    private static void closeQuietly(McpSyncClient client) {
        try {
            if (!client.closeGracefully()) {
                client.close();
            }
        } catch (RuntimeException e) {
            LOG.debug("closing an MCP client failed", e);
        }
    }

    private static Tool wrap(String server, McpSyncClient client, McpSchema.Tool tool, String toolName) {
        ObjectNode schema = MAPPER.valueToTree(tool.inputSchema() == null ? Map.of() : tool.inputSchema());
        if (!schema.has("type")) {
            schema.put("type", "object");
        }
        String description = tool.description() == null || tool.description().isBlank()
                ? "Tool '" + tool.name() + "' of MCP server '" + server + "'."
                : tool.description();
        return Tool.of(toolName, description, schema, arguments -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> args = arguments.isObject() ? MAPPER.convertValue(arguments, Map.class) : Map.of();
            McpSchema.CallToolResult result = client.callTool(McpSchema.CallToolRequest.builder(tool.name())
                    .arguments(args)
                    .build());
            String text = text(result);
            return Boolean.TRUE.equals(result.isError()) ? ToolResult.error(text) : ToolResult.success(text);
        });
    }

    /** The result's content as text for the model. */
    static String text(McpSchema.CallToolResult result) throws JsonProcessingException {
        List<String> parts = new ArrayList<>();
        for (McpSchema.Content content : result.content() == null ? List.<McpSchema.Content>of() : result.content()) {
            if (content instanceof McpSchema.TextContent text) {
                parts.add(text.text());
            } else if (content instanceof McpSchema.ImageContent image) {
                parts.add("[image " + image.mimeType() + "]");
            } else if (content instanceof McpSchema.EmbeddedResource embedded
                    && embedded.resource() instanceof McpSchema.TextResourceContents resource) {
                parts.add(resource.text());
            } else {
                parts.add("[" + content.getClass().getSimpleName() + "]");
            }
        }
        Object structured = result.structuredContent();
        if (parts.isEmpty() && structured != null) {
            parts.add(MAPPER.writeValueAsString(structured));
        }
        return String.join("\n", parts);
    }

    /** Characters MeshFlow does not allow in tool names become {@code _}; at most 64 characters are kept. */
    static String safeName(String name) {
        String safe = name.replaceAll("[^A-Za-z0-9_-]", "_");
        if (safe.isEmpty()) {
            safe = "tool";
        }
        return safe.length() > 64 ? safe.substring(0, 64) : safe;
    }

    private static String uniqueName(String name, Set<String> taken) {
        String candidate = name;
        for (int i = 2; !taken.add(candidate); i++) {
            String suffix = "_" + i;
            candidate =
                    (name.length() + suffix.length() > 64 ? name.substring(0, 64 - suffix.length()) : name) + suffix;
        }
        return candidate;
    }

    private static String describe(McpEndpoint endpoint) {
        return switch (endpoint) {
            case McpEndpoint.Stdio stdio -> "command " + stdio.command();
            case McpEndpoint.Http http -> http.url().toString();
        };
    }

    private static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && !root.getCause().equals(root)) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.equals(e) || message == null
                ? String.valueOf(e.getMessage())
                : e.getMessage() + " (" + message + ")";
    }

    static Map<String, String> strings(Map<?, ?> map) {
        Map<String, String> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        return out;
    }
}
