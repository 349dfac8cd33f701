package io.meshflow.cli;

/**
 * ANSI styling for terminal output, or none at all: every method returns its text unchanged when colour is off.
 *
 * <p>Colour is on only when standard output is a terminal, {@code NO_COLOR} is unset (see no-color.org),
 * {@code TERM} is not {@code dumb}, and {@code --no-color} was not given.
 */
final class Ansi {
    /** Foreground colours for agents; red is left out, it means trouble. */
    private static final int[] AGENT_COLOURS = {36, 35, 33, 32, 34, 96, 95, 93, 92, 94};

    private static final String RESET = "\u001b[0m";

    private final boolean enabled;

    private Ansi(boolean enabled) {
        this.enabled = enabled;
    }

    /** Styling that decides from the environment and the {@code --no-color} flag. */
    static Ansi forOutput(CliEnvironment environment, boolean noColorFlag) {
        boolean enabled = !noColorFlag
                && environment.stdoutIsTerminal()
                && environment.variable("NO_COLOR") == null
                && !"dumb".equals(environment.variable("TERM"));
        return new Ansi(enabled);
    }

    /** Styling that never emits escape codes. */
    static Ansi off() {
        return new Ansi(false);
    }

    /** True when escape codes are emitted. */
    boolean enabled() {
        return enabled;
    }

    /** The agent's colour code: the same agent id always gets the same colour. */
    static int colourOf(String agentId) {
        return AGENT_COLOURS[Math.floorMod(agentId.hashCode(), AGENT_COLOURS.length)];
    }

    /** The escape code that switches to the agent's colour until {@link #reset()}; empty when colour is off. */
    String startAgent(String agentId) {
        return enabled ? "\u001b[" + colourOf(agentId) + "m" : "";
    }

    /** The escape code that ends all styling; empty when colour is off. */
    String reset() {
        return enabled ? RESET : "";
    }

    /** Text in the agent's colour, bold: for labels such as {@code [writer]}. */
    String agentLabel(String agentId, String text) {
        return style("1;" + colourOf(agentId), text);
    }

    /** Faint text, for secondary information. */
    String dim(String text) {
        return style("2", text);
    }

    /** Bold text. */
    String bold(String text) {
        return style("1", text);
    }

    /** Green text: success. */
    String green(String text) {
        return style("32", text);
    }

    /** Yellow text: a warning or a pause. */
    String yellow(String text) {
        return style("33", text);
    }

    /** Red text: failure. */
    String red(String text) {
        return style("31", text);
    }

    private String style(String code, String text) {
        if (!enabled || text.isEmpty()) {
            return text;
        }
        return "\u001b[" + code + "m" + text + RESET;
    }
}
