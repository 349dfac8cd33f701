package io.meshflow.workflow;

import java.util.Map;

/**
 * A node as declared in a workflow file.
 *
 * @param id the node's id
 * @param type its {@code type:}
 * @param settings every other key of the declaration, as parsed from YAML
 * @param location where it was declared ({@code file:line}), for error messages
 */
public record NodeSpec(String id, String type, Map<String, Object> settings, String location) {
    /** Copies the settings. */
    public NodeSpec {
        settings = Map.copyOf(settings);
    }
}
