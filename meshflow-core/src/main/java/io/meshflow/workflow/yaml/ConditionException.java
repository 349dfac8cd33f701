package io.meshflow.workflow.yaml;

/** A condition expression that does not parse or does not type-check, with the 1-based column of the mistake. */
final class ConditionException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int column;

    ConditionException(String message, int column) {
        super(message);
        this.column = column;
    }

    /** The 1-based column in the expression where the mistake is. */
    int column() {
        return column;
    }
}
