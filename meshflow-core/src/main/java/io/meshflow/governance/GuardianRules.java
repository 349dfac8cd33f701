package io.meshflow.governance;

import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.UncertaintySource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The guardian rules MeshFlow ships. */
public final class GuardianRules {
    /** Prompt-injection markers in tool results and retrieved documents. */
    public static final String PROMPT_INJECTION = "prompt_injection";
    /** Secrets (API keys, private keys, tokens) in outputs or outgoing tool arguments. */
    public static final String SECRETS = "secrets";
    /** The same output {@code loop_repeats} times in a row from one node. */
    public static final String REPEATED_OUTPUT = "repeated_output";
    /** A step's tokens or cost far above the run's median. */
    public static final String COST_SPIKE = "cost_spike";
    /** Uncertainty above the threshold. */
    public static final String UNCERTAINTY = "uncertainty";

    /** The names of the shipped rules. */
    public static final List<String> NAMES =
            List.of(PROMPT_INJECTION, SECRETS, REPEATED_OUTPUT, COST_SPIKE, UNCERTAINTY);

    private GuardianRules() {}

    /** The shipped rules, in the order they run. */
    public static List<GuardianRule> shipped() {
        return List.of(
                new Named(PROMPT_INJECTION, GuardianRules::promptInjection),
                new Named(SECRETS, GuardianRules::secrets),
                new Named(REPEATED_OUTPUT, GuardianRules::repeatedOutput),
                new Named(COST_SPIKE, GuardianRules::costSpike),
                new Named(UNCERTAINTY, GuardianRules::highUncertainty));
    }

    /** A rule's check, without its name. */
    @FunctionalInterface
    private interface Check {
        Optional<String> inspect(GuardianSubject subject, List<StepRecord> history, GovernancePolicy policy);
    }

    /** A shipped rule: a name and its check. */
    private record Named(String name, Check check) implements GuardianRule {
        @Override
        public Optional<String> inspect(GuardianSubject subject, List<StepRecord> history, GovernancePolicy policy) {
            return check.inspect(subject, history, policy);
        }
    }

    private static double median(double[] values) {
        java.util.Arrays.sort(values);
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    private static final List<Pattern> INJECTION = patterns(
            Pattern.CASE_INSENSITIVE | Pattern.MULTILINE,
            "ignore (all |any )?(the )?(previous|prior|above|earlier) (instructions|prompts|rules)",
            "disregard (all |any )?(the )?(previous|prior|above|earlier|your) (instructions|prompts|rules)",
            "forget (all |everything )?(your|the) (previous |prior )?instructions",
            "reveal (your|the) (system prompt|instructions|hidden prompt)",
            "you are now (in )?(dan|developer mode|an? unrestricted)",
            "new (system )?instructions\\s*:",
            "<\\|im_start\\|>\\s*system",
            "^\\s*#{2,}\\s*system\\s*:?",
            "\\[\\s*system\\s*\\]\\s*:");

    /**
     * The secret patterns, each with a character and literals that every match contains. A step's output is scanned on
     * every step, and in a loop that carries its state forward it grows with every iteration: running the eight
     * regular expressions over all of it each time made the secrets rule the hot spot of such loops (two thirds of
     * their time at 1,000 iterations). The character and literal searches run on {@code String.indexOf}'s vectorised
     * path; a pattern's regular expression runs only on a text holding its character and one of its literals, which
     * every match holds, so the verdict is the same.
     */
    private static final List<SecretPattern> SECRET_PATTERNS = List.of(
            new SecretPattern("\\b(AKIA|ASIA)[0-9A-Z]{16}\\b", false, 'A', "AKIA", "ASIA"),
            new SecretPattern(
                    "(?i)aws_secret_access_key\\s*[=:]\\s*['\"]?[A-Za-z0-9/+=]{40}",
                    true,
                    '_',
                    "aws_secret_access_key"),
            new SecretPattern(
                    "-----BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----", false, '-', "-----BEGIN "),
            new SecretPattern("\\bgh[pousr]_[A-Za-z0-9]{36}\\b", false, '_', "ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
            new SecretPattern("\\bxox[abprs]-[A-Za-z0-9-]{10,}", false, 'x', "xox"),
            new SecretPattern("\\bsk-(ant-)?[A-Za-z0-9_-]{20,}", false, '-', "sk-"),
            new SecretPattern("\\bAIza[0-9A-Za-z_-]{35}\\b", false, 'A', "AIza"),
            new SecretPattern("\\beyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}", false, 'J', "eyJ"));

    /**
     * A secret's regular expression, a character every match holds, and the literals one of which each match holds
     * ({@code ignoreCase}: in any case, as the expression's {@code (?i)} allows; the character then is one that case
     * does not change).
     */
    private record SecretPattern(Pattern pattern, boolean ignoreCase, char anchor, List<String> literals) {
        SecretPattern {
            for (String literal : literals) {
                if (literal.indexOf(anchor) < 0 || (ignoreCase && Character.isLetter(anchor))) {
                    throw new IllegalArgumentException("'" + anchor + "' cannot stand for " + literal);
                }
            }
        }

        SecretPattern(String regex, boolean ignoreCase, char anchor, String... literals) {
            this(Pattern.compile(regex), ignoreCase, anchor, List.of(literals));
        }

        /** False when {@code text} lacks the character or all the literals, so the expression cannot match it. */
        boolean mayMatch(String text) {
            if (text.indexOf(anchor) < 0) {
                return false;
            }
            for (String literal : literals) {
                if (ignoreCase ? containsIgnoreCase(text, literal) : text.contains(literal)) {
                    return true;
                }
            }
            return false;
        }

        /** Whether {@code text} holds the literal in any case: compared around each occurrence of the character. */
        private boolean containsIgnoreCase(String text, String literal) {
            int offset = literal.indexOf(anchor);
            for (int at = text.indexOf(anchor, offset); at >= 0; at = text.indexOf(anchor, at + 1)) {
                if (text.regionMatches(true, at - offset, literal, 0, literal.length())) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The first secret in {@code text}, as {@link #firstMatch} tells it. */
    private static Optional<String> firstSecret(String text, String what) {
        for (SecretPattern secret : SECRET_PATTERNS) {
            if (secret.mayMatch(text)) {
                Optional<String> found = firstMatch(List.of(secret.pattern()), text, what, true);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    private static List<Pattern> patterns(int flags, String... regexes) {
        List<Pattern> out = new ArrayList<>();
        for (String r : regexes) {
            out.add(Pattern.compile(r, flags));
        }
        return List.copyOf(out);
    }

    private static Optional<String> firstMatch(List<Pattern> patterns, String text, String what, boolean redact) {
        for (Pattern p : patterns) {
            Matcher m = p.matcher(text);
            if (m.find()) {
                String found = m.group();
                String shown = redact
                        ? found.substring(0, Math.min(6, found.length())) + "…(" + found.length() + " chars)"
                        : found;
                return Optional.of(what + " '" + shown + "' at offset " + m.start());
            }
        }
        return Optional.empty();
    }

    /** Injection markers in tool results. */
    private static Optional<String> promptInjection(
            GuardianSubject subject, List<StepRecord> history, GovernancePolicy policy) {
        if (subject instanceof GuardianSubject.ToolOutput out) {
            return firstMatch(INJECTION, out.content(), "result of '" + out.tool() + "' holds injection marker", false);
        }
        return Optional.empty();
    }

    /** Secrets in outputs and outgoing tool arguments; the evidence shows only the secret's first characters. */
    private static Optional<String> secrets(
            GuardianSubject subject, List<StepRecord> history, GovernancePolicy policy) {
        return switch (subject) {
            case GuardianSubject.ToolArguments args ->
                firstSecret(args.arguments(), "arguments to tool '" + args.tool() + "' hold secret");
            case GuardianSubject.StepOutput out -> firstSecret(out.output(), "output holds secret");
            case GuardianSubject.ToolOutput out -> Optional.empty();
        };
    }

    /** The same output {@code loopRepeats} times in a row from one agent. */
    private static Optional<String> repeatedOutput(
            GuardianSubject subject, List<StepRecord> history, GovernancePolicy policy) {
        // a function node repeating itself in a loop is deterministic code doing its job; a model is not
        if (!(subject instanceof GuardianSubject.StepOutput out)
                || out.agentId() == null
                || out.output().isBlank()) {
            return Optional.empty();
        }
        int same = 1;
        for (int i = history.size() - 1; i >= 0 && same < policy.loopRepeats(); i--) {
            StepRecord step = history.get(i);
            if (!Objects.equals(out.agentId(), step.agentId())) {
                continue;
            }
            if (!step.outputContent().equals(out.output())) {
                break;
            }
            same++;
        }
        if (same < policy.loopRepeats()) {
            return Optional.empty();
        }
        String shown = out.output().length() > 60 ? out.output().substring(0, 60) + "…" : out.output();
        return Optional.of(
                "the same output " + same + " times in a row from agent '" + out.agentId() + "': '" + shown + "'");
    }

    /** A step's tokens or cost {@code spikeFactor} times the median of the run's earlier steps (three at least). */
    private static Optional<String> costSpike(
            GuardianSubject subject, List<StepRecord> history, GovernancePolicy policy) {
        // a step that used no tokens and cost nothing (a function node) is never above a median times spikeFactor > 1;
        // returning before the history is read keeps such steps from costing time that grows with the run
        if (!(subject instanceof GuardianSubject.StepOutput out) || (out.tokens() <= 0 && out.costUsd() <= 0)) {
            return Optional.empty();
        }
        List<StepRecord> earlier =
                history.stream().filter(s -> s.agentId() != null).toList();
        if (earlier.size() < 3) {
            return Optional.empty();
        }
        double tokens =
                median(earlier.stream().mapToDouble(StepRecord::tokensUsed).toArray());
        double cost = median(earlier.stream().mapToDouble(StepRecord::costUsd).toArray());
        if (tokens > 0 && out.tokens() > policy.spikeFactor() * tokens) {
            return Optional.of(String.format(
                    Locale.ROOT,
                    "step used %d tokens, %.1fx the run's median of %.0f",
                    out.tokens(),
                    out.tokens() / tokens,
                    tokens));
        }
        if (cost > 0 && out.costUsd() > policy.spikeFactor() * cost) {
            return Optional.of(String.format(
                    Locale.ROOT,
                    "step cost $%.6f, %.1fx the run's median of $%.6f",
                    out.costUsd(),
                    out.costUsd() / cost,
                    cost));
        }
        return Optional.empty();
    }

    /** Uncertainty above the threshold, when it was measured (not the unknown default). */
    private static Optional<String> highUncertainty(
            GuardianSubject subject, List<StepRecord> history, GovernancePolicy policy) {
        if (subject instanceof GuardianSubject.StepOutput out
                && out.uncertaintySource() != UncertaintySource.UNKNOWN
                && out.uncertainty() > policy.uncertaintyThreshold()) {
            return Optional.of(String.format(
                    Locale.ROOT,
                    "uncertainty %.2f (%s) is above the threshold %.2f",
                    out.uncertainty(),
                    out.uncertaintySource().name().toLowerCase(Locale.ROOT),
                    policy.uncertaintyThreshold()));
        }
        return Optional.empty();
    }
}
