package io.meshflow.governance;

import io.meshflow.policy.Verdict;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

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
        return verdict instanceof Verdict.Commit ? Optional.empty() : of(verdict.reason(), verdict.detail());
    }

    /**
     * Reads the reason, rule and evidence back from a verdict's reason and detail as stored (a trace, an event), or
     * nothing when the detail does not name a rule.
     */
    public static Optional<GovernanceBlock> of(@Nullable String reason, @Nullable String detail) {
        if (reason == null || detail == null) {
            return Optional.empty();
        }
        Matcher m = DETAIL.matcher(detail);
        return m.matches() ? Optional.of(new GovernanceBlock(reason, m.group(1), m.group(2))) : Optional.empty();
    }

    /**
     * A short label of a verdict's reason for tables: {@code reason/rule} for a governance block
     * ({@code budget/max_tokens}), else the reason as it is.
     */
    public static String label(String reason, @Nullable String detail) {
        return of(reason, detail).map(b -> b.reason() + "/" + b.rule()).orElse(reason);
    }

    /**
     * The reason code a verdict reason counts under: the governance codes as they are, and every other block (a node's
     * own verdict, {@code max_iterations}) under {@code policy}. Errors count as {@code error}.
     */
    public static String category(String verdictReason) {
        return switch (verdictReason) {
            case IDENTITY, DASC, GUARDIAN, BUDGET, CIRCUIT_BREAKER, POLICY, "error" -> verdictReason;
            default -> POLICY;
        };
    }
}
