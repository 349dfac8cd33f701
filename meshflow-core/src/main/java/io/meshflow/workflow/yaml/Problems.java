package io.meshflow.workflow.yaml;

import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.nodes.Node;

/** Problems found while loading, each already prefixed with the file and line it is about. */
final class Problems {
    private final List<String> items = new ArrayList<>();

    /** Records a problem about a line of a file. */
    void at(String source, int line, String message) {
        items.add(source + ":" + line + ": " + message);
    }

    /** Records a problem about where a YAML node starts. */
    void at(String source, Node node, String message) {
        at(source, line(node), message);
    }

    /** Records a problem about a whole file. */
    void file(String source, String message) {
        items.add(source + ": " + message);
    }

    /** Records a problem that already names its file. */
    void add(String problem) {
        items.add(problem);
    }

    boolean isEmpty() {
        return items.isEmpty();
    }

    int size() {
        return items.size();
    }

    List<String> list() {
        return List.copyOf(items);
    }

    /** The 1-based line on which a YAML node starts. */
    static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }
}
