package io.meshflow.governance;

import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.ToolCallRecord;
import io.meshflow.policy.Verdict;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The collusion audit, run over a multi-agent run's committed steps once it has ended. It flags:
 *
 * <ul>
 *   <li>{@code verbatim_copy}: two different agents returning the same text (at least {@value #MIN_COPY_CHARS}
 *       characters, compared with whitespace and case folded);
 *   <li>{@code rubber_stamp}: a critic that approves work without referencing it: an approval reply that shares no
 *       significant word with the work it was given;
 *   <li>{@code capability_laundering}: an agent handing work to another (its output is part of the other's input)
 *       which then uses a tool the delegator's own scope does not allow.
 * </ul>
 */
public final class CollusionAudit {
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

    /** The shortest output compared for {@code verbatim_copy}. */
    public static final int MIN_COPY_CHARS = 20;

    private static final Pattern APPROVAL = Pattern.compile(
            "(?i)^\\W*(approved?|lgtm|looks good( to me)?|ship it|accept(ed)?|pass(ed)?|ok(ay)?|yes|no (issues|changes|problems)( found)?)\\b.*",
            Pattern.DOTALL);
    private static final Set<String> APPROVAL_WORDS = Set.of(
            "approve",
            "approved",
            "looks",
            "great",
            "good",
            "accepted",
            "accept",
            "passed",
            "issues",
            "problems",
            "changes",
            "found",
            "everything",
            "perfect",
            "correct",
            "excellent",
            "fine",
            "nice",
            "work",
            "done",
            "ship",
            "thanks",
            "thank");

    /**
     * A finding.
     *
     * @param rule {@code verbatim_copy}, {@code rubber_stamp} or {@code capability_laundering}
     * @param stepId the step it concerns
     * @param evidence what was found
     */
    public record Finding(String rule, String stepId, String evidence) {}

    private CollusionAudit() {}

    /** Audits a run's steps (in order); {@code governance} supplies scopes for the laundering check. */
    public static List<Finding> audit(List<StepRecord> steps, Governance governance) {
        List<StepRecord> committed = steps.stream()
                .filter(s -> s.agentId() != null && s.verdict() instanceof Verdict.Commit)
                .toList();
        List<Finding> findings = new ArrayList<>();
        verbatimCopies(committed, findings);
        rubberStamps(committed, findings);
        laundering(committed, governance, findings);
        return findings;
    }

    private static String fold(String text) {
        return text.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    private static void verbatimCopies(List<StepRecord> steps, List<Finding> findings) {
        Set<String> reported = new HashSet<>();
        for (int i = 0; i < steps.size(); i++) {
            StepRecord a = steps.get(i);
            String text = fold(a.outputContent());
            if (text.length() < MIN_COPY_CHARS) {
                continue;
            }
            for (int j = i + 1; j < steps.size(); j++) {
                StepRecord b = steps.get(j);
                if (!String.valueOf(a.agentId()).equals(b.agentId())
                        && text.equals(fold(b.outputContent()))
                        && reported.add(b.stepId())) {
                    findings.add(new Finding(
                            "verbatim_copy",
                            b.stepId(),
                            "agent '" + b.agentId() + "' (step " + b.stepId() + ") returned the same "
                                    + a.outputContent().length() + " characters as agent '" + a.agentId()
                                    + "' (step " + a.stepId() + ")"));
                }
            }
        }
    }

    private static void rubberStamps(List<StepRecord> steps, List<Finding> findings) {
        for (int i = 0; i < steps.size(); i++) {
            StepRecord step = steps.get(i);
            String output = step.outputContent();
            if (!APPROVAL.matcher(output).matches()) {
                continue;
            }
            // the work it was given: the outputs of earlier steps that reached its input
            StringBuilder work = new StringBuilder();
            for (int j = 0; j < i; j++) {
                String earlier = steps.get(j).outputContent();
                if (!earlier.isBlank() && step.inputTask().contains(earlier)) {
                    work.append(earlier).append('\n');
                }
            }
            if (work.isEmpty()) {
                continue;
            }
            Set<String> reviewed = words(work.toString());
            Set<String> said = words(output);
            said.removeAll(APPROVAL_WORDS);
            said.retainAll(reviewed);
            if (said.isEmpty()) {
                String shown = output.length() > 80 ? output.substring(0, 80) + "…" : output;
                findings.add(new Finding(
                        "rubber_stamp",
                        step.stepId(),
                        "agent '" + step.agentId() + "' approved (\"" + shown.strip() + "\") without referencing"
                                + " anything in the " + work.length() + " characters it reviewed"));
            }
        }
    }

    private static Set<String> words(String text) {
        Set<String> out = new HashSet<>();
        java.util.regex.Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            if (m.group().length() >= 4) {
                out.add(m.group());
            }
        }
        return out;
    }

    private static void laundering(List<StepRecord> steps, Governance governance, List<Finding> findings) {
        for (int i = 0; i < steps.size(); i++) {
            StepRecord step = steps.get(i);
            if (step.toolCalls().isEmpty()) {
                continue;
            }
            for (int j = 0; j < i; j++) {
                StepRecord from = steps.get(j);
                String delegator = String.valueOf(from.agentId());
                if (delegator.equals(step.agentId())
                        || from.outputContent().isBlank()
                        || !step.inputTask().contains(from.outputContent())) {
                    continue;
                }
                Optional<CapabilityScope> scope = governance.scope(delegator);
                if (scope.isEmpty()) {
                    continue;
                }
                for (ToolCallRecord call : step.toolCalls()) {
                    if (!call.error() && !scope.get().allowsTool(call.toolName())) {
                        findings.add(new Finding(
                                "capability_laundering",
                                step.stepId(),
                                "agent '" + delegator + "' (step " + from.stepId() + ") may not call tool '"
                                        + call.toolName() + "' but handed work to agent '" + step.agentId()
                                        + "', which called it (step " + step.stepId() + ")"));
                        break;
                    }
                }
            }
        }
    }
}
