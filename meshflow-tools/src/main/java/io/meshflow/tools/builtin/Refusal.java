package io.meshflow.tools.builtin;

/** A request a built-in tool will not carry out; its message is shown to the model as the error result. */
final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;

    Refusal(String message) {
        super(message);
    }
}
