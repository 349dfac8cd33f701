package io.meshflow.tool;

import java.util.Map;

/**
 * Connects to the tool servers a workflow file declares under {@code mcp_servers:}; found with
 * {@link java.util.ServiceLoader} (module {@code meshflow-tools} provides one for the Model Context Protocol).
 */
public interface ToolServerFactory {
    /**
     * Connects to a server and lists its tools.
     *
     * @param name the server's name in the file
     * @param settings its settings as plain values (maps, lists, strings, numbers, booleans), such as
     *     {@code command}/{@code args}/{@code env} for a server started as a subprocess or {@code url} for one
     *     reached over HTTP
     * @return the open connection; the caller closes it
     * @throws io.meshflow.ValidationException when the settings are invalid, naming the setting
     * @throws io.meshflow.MeshFlowException when the server cannot be started or reached
     */
    ToolServer connect(String name, Map<String, Object> settings);
}
