package io.meshflow.governance;

/**
 * A guardian rule that fired.
 *
 * @param rule the rule's name
 * @param severity what it does to the step
 * @param evidence what it saw
 */
public record GuardianFinding(String rule, Severity severity, String evidence) {
    /** The block (or escalation) naming reason {@code guardian}, this rule and its evidence. */
    public GovernanceBlock block() {
        return new GovernanceBlock(GovernanceBlock.GUARDIAN, rule, evidence);
    }
}
