package io.meshflow.workflow.yaml;

import io.meshflow.provider.ScriptedProvider;
import io.meshflow.tool.ToolServer;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A workflow file, loaded and validated.
 *
 * <p>When the file declares {@code mcp_servers:}, loading connected to them (starting their processes) and the
 * workflow's agents call their tools: {@link #close()} the file when its runs are done to disconnect.
 *
 * @param workflow the workflow, with its policy when the file declares one
 * @param task the file's default task ({@code task:}), or {@code null}; a task given at run time takes precedence
 * @param source where the workflow came from: the path as given to the loader, or the source name of loaded text
 * @param scripted the offline model built from the file's {@code providers.scripted} settings and its agents'
 *     {@code script:} lists; agents that use the scripted provider call this instance, so tests can inspect
 *     {@link ScriptedProvider#requests()}
 * @param toolServers the MCP servers the file (and the files it includes) connected to, open until {@link #close()}
 */
public record WorkflowFile(
        WorkflowDefinition workflow,
        @Nullable String task,
        String source,
        ScriptedProvider scripted,
        List<ToolServer> toolServers)
        implements AutoCloseable {

    /** Copies the list. */
    public WorkflowFile {
        toolServers = List.copyOf(toolServers);
    }

    /** A file without tool servers. */
    public WorkflowFile(WorkflowDefinition workflow, @Nullable String task, String source, ScriptedProvider scripted) {
        this(workflow, task, source, scripted, List.of());
    }

    /** Disconnects from the file's tool servers (stopping the processes it started); never throws. */
    @Override
    public void close() {
        for (ToolServer server : toolServers) {
            server.close();
        }
    }
}
