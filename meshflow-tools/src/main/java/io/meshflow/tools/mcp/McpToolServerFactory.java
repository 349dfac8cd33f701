package io.meshflow.tools.mcp;

import io.meshflow.ValidationException;
import io.meshflow.tool.ToolServer;
import io.meshflow.tool.ToolServerFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Connects to the MCP servers a workflow file declares under {@code mcp_servers:}; found by
 * {@link java.util.ServiceLoader}.
 *
 * <pre>{@code
 * mcp_servers:
 *   notes:                        # started as a subprocess (stdio)
 *     command: npx
 *     args: [-y, "@modelcontextprotocol/server-memory"]
 *     env: {LOG_LEVEL: warn}
 *   search:                       # streamable HTTP
 *     url: http://localhost:8080/mcp
 *     headers: {Authorization: "Bearer ..."}
 *     timeout_seconds: 60         # handshake and each call (default 30)
 * }</pre>
 */
public final class McpToolServerFactory implements ToolServerFactory {
    private static final Set<String> KEYS = Set.of("command", "args", "env", "url", "headers", "timeout_seconds");

    /** Creates the factory; {@link java.util.ServiceLoader} needs a public no-argument constructor. */
    public McpToolServerFactory() {}

    @Override
    public ToolServer connect(String name, Map<String, Object> settings) {
        List<String> problems = new ArrayList<>();
        for (String key : settings.keySet()) {
            if (!KEYS.contains(key)) {
                problems.add("unknown key '" + key + "'; allowed keys: command, args, env, url, headers,"
                        + " timeout_seconds");
            }
        }
        Object command = settings.get("command");
        Object url = settings.get("url");
        if ((command == null) == (url == null)) {
            problems.add(
                    "give either command: (a server started as a subprocess) or url: (a streamable-HTTP" + " server)");
        }
        Duration timeout = McpTools.DEFAULT_TIMEOUT;
        Object seconds = settings.get("timeout_seconds");
        if (seconds != null) {
            if (seconds instanceof Number n && n.doubleValue() > 0) {
                timeout = Duration.ofMillis((long) (n.doubleValue() * 1000));
            } else {
                problems.add("timeout_seconds must be a positive number, got " + seconds);
            }
        }
        McpEndpoint endpoint = null;
        if (command != null && url == null) {
            List<String> args = new ArrayList<>();
            Object rawArgs = settings.get("args");
            if (rawArgs instanceof List<?> list) {
                list.forEach(a -> args.add(String.valueOf(a)));
            } else if (rawArgs != null) {
                problems.add("args must be a list, got " + rawArgs);
            }
            if (settings.containsKey("headers")) {
                problems.add("headers: only applies to url: servers");
            }
            if (!(command instanceof String text) || text.isBlank()) {
                problems.add("command must be a program name, got " + command);
            } else {
                endpoint = new McpEndpoint.Stdio(text, args, stringMap(settings.get("env"), "env", problems));
            }
        } else if (url != null && command == null) {
            if (settings.containsKey("args") || settings.containsKey("env")) {
                problems.add("args: and env: only apply to command: servers");
            }
            try {
                endpoint = new McpEndpoint.Http(
                        URI.create(String.valueOf(url)), stringMap(settings.get("headers"), "headers", problems));
            } catch (IllegalArgumentException e) {
                problems.add("url: " + e.getMessage());
            }
        }
        if (!problems.isEmpty() || endpoint == null) {
            throw new ValidationException(problems.isEmpty() ? List.of("invalid settings") : problems);
        }
        return McpTools.from(name, endpoint, timeout);
    }

    private static Map<String, String> stringMap(@Nullable Object value, String key, List<String> problems) {
        if (value == null) {
            return Map.of();
        }
        if (value instanceof Map<?, ?> map) {
            return McpTools.strings(map);
        }
        problems.add(key + " must be a mapping of names to values, got " + value);
        return Map.of();
    }
}
