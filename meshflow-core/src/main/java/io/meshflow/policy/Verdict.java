package io.meshflow.policy;

import java.io.Serializable;

/**
 * How a step ended. Every step ends in exactly one verdict, which the ledger records with the step.
 *
 * <ul>
 *   <li>{@link Commit}: the step's output is accepted and the run goes on;
 *   <li>{@link Blocked}: a check refused the step; the run stops with status {@code BLOCKED} (or {@code FAILED} when
 *       the reason is an error);
 *   <li>{@link Escalate}: a human must look at the step; the run pauses.
 * </ul>
 */
public sealed interface Verdict extends Serializable {
    /** The verdict's wire name: {@code COMMIT}, {@code BLOCKED} or {@code ESCALATE}. */
    String name();

    /** The machine-readable reason (for example {@code max_tokens}); empty for {@link Commit}. */
    String reason();

    /** A sentence for people explaining the verdict; empty for {@link Commit}. */
    String detail();

    /** The shared commit verdict. */
    Commit COMMIT = new Commit();

    /** Returns a blocked verdict. */
    static Blocked blocked(String reason, String detail) {
        return new Blocked(reason, detail);
    }

    /** Returns an escalate verdict. */
    static Escalate escalate(String reason, String detail) {
        return new Escalate(reason, detail);
    }

    /** Parses a verdict from its wire name and reason, as stored in the ledger. */
    static Verdict of(String name, String reason, String detail) {
        return switch (name) {
            case "COMMIT" -> COMMIT;
            case "BLOCKED" -> new Blocked(reason, detail);
            case "ESCALATE" -> new Escalate(reason, detail);
            default -> throw new IllegalArgumentException("unknown verdict '" + name + "'");
        };
    }

    /** The step's output is accepted. */
    record Commit() implements Verdict {
        @Override
        public String name() {
            return "COMMIT";
        }

        @Override
        public String reason() {
            return "";
        }

        @Override
        public String detail() {
            return "";
        }
    }

    /**
     * A check refused the step.
     *
     * @param reason machine-readable reason such as {@code max_steps}, {@code max_tokens}, {@code max_cost},
     *     {@code step_timeout}, {@code run_timeout}, {@code error}
     * @param detail what happened, for people
     */
    record Blocked(String reason, String detail) implements Verdict {
        @Override
        public String name() {
            return "BLOCKED";
        }
    }

    /**
     * A human must decide about the step.
     *
     * @param reason machine-readable reason
     * @param detail what happened, for people
     */
    record Escalate(String reason, String detail) implements Verdict {
        @Override
        public String name() {
            return "ESCALATE";
        }
    }
}
