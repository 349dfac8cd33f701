package io.meshflow.tool;

import java.util.List;

/**
 * A set of tools a module makes available by name, found with {@link java.util.ServiceLoader}: list the implementing
 * class in {@code META-INF/services/io.meshflow.tool.ToolLibrary}. {@link ToolRegistry#installed()} gathers the tools
 * of every library on the class path, so that agents can name them ({@code Agent.builder(..).tools("calculator")},
 * {@code tools: [calculator]} in a workflow file).
 *
 * <p>Implementations need a public no-argument constructor; they read whatever configuration they need (such as
 * environment variables) when {@link #tools()} is called.
 */
public interface ToolLibrary {
    /**
     * The library's tools; their names must be unique among all installed libraries.
     *
     * @throws RuntimeException when the library's configuration is invalid; the message should say which setting
     */
    List<Tool> tools();
}
