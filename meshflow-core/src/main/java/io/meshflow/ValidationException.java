package io.meshflow;

import java.util.List;

/**
 * Thrown when a definition (workflow graph, YAML file, policy, agent) is invalid. It carries every problem found,
 * not only the first, so that a user can fix them all in one pass.
 */
public class ValidationException extends MeshFlowException {
    private static final long serialVersionUID = 1L;

    private final String[] problems;

    /** Creates an exception listing one or more problems; the message joins them one per line. */
    public ValidationException(List<String> problems) {
        super(format(problems));
        this.problems = problems.toArray(new String[0]);
    }

    /** Creates an exception for a single problem. */
    public ValidationException(String problem) {
        this(List.of(problem));
    }

    /** Every problem found, in the order found; never empty. */
    public List<String> problems() {
        return List.of(problems);
    }

    private static String format(List<String> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ValidationException needs at least one problem");
        }
        if (problems.size() == 1) {
            return problems.get(0);
        }
        return problems.size() + " problems:\n  - " + String.join("\n  - ", problems);
    }
}
