package io.meshflow.tool;

import java.util.List;

/**
 * A connection to a process or service that serves tools, such as a Model Context Protocol server; its tools work
 * while it is open. Created from a workflow file's {@code mcp_servers:} section by a {@link ToolServerFactory}, or
 * directly by the module that implements it.
 */
public interface ToolServer extends AutoCloseable {
    /** The name the server was given (the key under {@code mcp_servers:}). */
    String name();

    /** The server's tools as MeshFlow tools, with the input schemas the server declared. */
    List<Tool> tools();

    /** Disconnects (and stops the server process, when this connection started it). Never throws. */
    @Override
    void close();
}
