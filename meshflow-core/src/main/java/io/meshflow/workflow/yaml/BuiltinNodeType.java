package io.meshflow.workflow.yaml;

import io.meshflow.ValidationException;
import io.meshflow.workflow.NodeFactoryContext;
import io.meshflow.workflow.NodeSpec;
import io.meshflow.workflow.NodeType;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A node type of this package: it declares its keys so that the loader reports unknown ones with their line, and it
 * reads its settings with the helpers here.
 */
interface BuiltinNodeType extends NodeType {
    /** The keys a node of this type may have besides {@code id} and {@code type}. */
    List<String> keys();

    /** A setting that must be a single text value. */
    static String requiredText(NodeSpec spec, String key, String what) {
        Object value = spec.settings().get(key);
        if (value == null) {
            throw new ValidationException(spec.location() + ": node '" + spec.id() + "' of type " + spec.type()
                    + " needs " + key + ": (" + what + ")");
        }
        if (value instanceof Collection<?> || value instanceof Map<?, ?>) {
            throw new ValidationException(spec.location() + ": node '" + spec.id() + "': " + key + " must be " + what
                    + ", got a " + (value instanceof Map<?, ?> ? "mapping" : "list"));
        }
        return String.valueOf(value);
    }

    /** "; known agents: a, b" style hint, or an empty string when the context cannot list names. */
    static String known(String what, NodeFactoryContext context, boolean agents) {
        if (!(context instanceof FileContext file)) {
            return "";
        }
        Collection<String> names = agents ? file.agentIds() : file.functionNames();
        return "; known " + what + ": " + (names.isEmpty() ? "none" : String.join(", ", names));
    }
}
