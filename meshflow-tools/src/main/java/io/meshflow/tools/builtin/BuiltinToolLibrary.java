package io.meshflow.tools.builtin;

import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolLibrary;
import java.util.List;

/**
 * Registers the built-in tools, configured from the environment ({@link BuiltinTools#fromEnvironment()}), with
 * {@link io.meshflow.tool.ToolRegistry#installed()}; found by {@link java.util.ServiceLoader}.
 */
public final class BuiltinToolLibrary implements ToolLibrary {
    /** Creates the library; {@link java.util.ServiceLoader} needs a public no-argument constructor. */
    public BuiltinToolLibrary() {}

    @Override
    public List<Tool> tools() {
        return BuiltinTools.fromEnvironment().all();
    }
}
