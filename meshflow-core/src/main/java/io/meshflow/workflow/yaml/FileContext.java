package io.meshflow.workflow.yaml;

import io.meshflow.workflow.NodeFactoryContext;
import java.util.Collection;

/** The loader's {@link NodeFactoryContext}, which can also list names for "known ..." hints in messages. */
interface FileContext extends NodeFactoryContext {
    /** Ids of the agents declared in the file. */
    Collection<String> agentIds();

    /** Names of the functions the loader knows (registered and built-in). */
    Collection<String> functionNames();
}
