package io.meshflow.governance;

import io.meshflow.policy.Verdict;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why a governance check refused (or escalated) a step: its reason code, the rule within the check, and the
 * evidence. The verdict it makes carries the reason code as its reason and {@code "rule <rule>: <evidence>"} as its
 * detail, so that the ledger, the events and {@code meshflow audit} all name the three.
 *
 * @param reason the reason code, one of {@link #REASONS}
 * @param rule the rule that fired, such as {@code tool_scope} or {@code secrets}
 * @param evidence what was seen, for people
 */
public record GovernanceBlock(String reason, String rule, String evidence) {
    /** Reason code of an identity that is unknown or revoked. */
    public static final String IDENTITY = "identity";
    /** Reason code of the delegated action scope check. */
    public static final String DASC = "dasc";
    /** Reason code of the guardian. */
    public static final String GUARDIAN = "guardian";
    /** Reason code of a budget. */
    public static final String BUDGET = "budget";
    /** Reason code of an open circuit breaker. */
    public static final String CIRCUIT_BREAKER = "circuit_breaker";
    /** Reason code of any other policy cap. */
    public static final String POLICY = "policy";

    /** Every reason code, as {@code meshflow_blocks_total{reason}} labels them. */
    public static final List<String> REASONS = List.of(IDENTITY, DASC, GUARDIAN, BUDGET, CIRCUIT_BREAKER, POLICY);

    private static final Pattern DETAIL = Pattern.compile("rule ([A-Za-z0-9_.-]+): (.*)", Pattern.DOTALL);

    /** A blocked verdict naming this reason, rule and evidence. */
    public Verdict.Blocked blocked() {
        return Verdict.blocked(reason, detail());
    }

    /** An escalate verdict naming this reason, rule and evidence. */
    public Verdict.Escalate escalate() {
        return Verdict.escalate(reason, detail());
    }

    /** The verdict detail: {@code "rule <rule>: <evidence>"}. */
    public String detail() {
        return "rule " + rule + ": " + evidence;
    }

    /** Reads the reason, rule and evidence back from a verdict a governance check made. */
    public static Optional<GovernanceBlock> of(Verdict verdict) {
        Matcher m = DETAIL.matcher(verdict.detail());
        if (verdict instanceof Verdict.Commit || !m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new GovernanceBlock(verdict.reason(), m.group(1), m.group(2)));
    }

    /**
     * The reason code a verdict reason counts under: the governance codes as they are, the run caps that predate them
     * ({@code max_tokens}, {@code max_cost}, {@code max_steps}, {@code run_timeout}) under {@code budget}, and every
     * other block ({@code step_timeout}, {@code max_iterations}, a node's own) under {@code policy}. Errors count as
     * {@code error}.
     */
    public static String category(String verdictReason) {
        return switch (verdictReason) {
            case IDENTITY, DASC, GUARDIAN, BUDGET, CIRCUIT_BREAKER, POLICY, "error" -> verdictReason;
            case "max_tokens", "max_cost", "max_steps", "run_timeout" -> BUDGET;
            default -> POLICY;
        };
    }
}
