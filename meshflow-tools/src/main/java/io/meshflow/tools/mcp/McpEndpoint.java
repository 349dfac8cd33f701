package io.meshflow.tools.mcp;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Where an MCP server is: a command started as a subprocess (stdio), or a streamable-HTTP URL. */
public sealed interface McpEndpoint {
    /**
     * A server started as a subprocess, speaking JSON-RPC on its standard input and output.
     *
     * @param command the program, such as {@code npx} or {@code java}
     * @param args its arguments
     * @param env environment variables added to the inherited environment
     */
    record Stdio(String command, List<String> args, Map<String, String> env) implements McpEndpoint {
        /** Copies the collections; the command must not be blank. */
        public Stdio {
            Objects.requireNonNull(command, "command");
            if (command.isBlank()) {
                throw new IllegalArgumentException("the command of an MCP server must not be blank");
            }
            args = List.copyOf(args);
            env = Map.copyOf(env);
        }
    }

    /**
     * A server reached over the streamable HTTP transport.
     *
     * @param url the endpoint, such as {@code http://localhost:8080/mcp}
     * @param headers headers sent with every request, such as {@code Authorization}
     */
    record Http(URI url, Map<String, String> headers) implements McpEndpoint {
        /** Copies the headers; the URL must be absolute http(s). */
        public Http {
            Objects.requireNonNull(url, "url");
            String scheme = url.getScheme();
            if (!"http".equals(scheme) && !"https".equals(scheme)) {
                throw new IllegalArgumentException("the url of an MCP server must be http(s), got " + url);
            }
            headers = Map.copyOf(headers);
        }
    }

    /** A subprocess server. */
    static McpEndpoint stdio(String command, String... args) {
        return new Stdio(command, List.of(args), Map.of());
    }

    /** A streamable-HTTP server. */
    static McpEndpoint http(String url) {
        return new Http(URI.create(url), Map.of());
    }
}
