package io.meshflow.tools.builtin;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the shell tool will run. Checked in this order, each with its own message:
 *
 * <ol>
 *   <li>commands that are never run: {@code sudo}/{@code su}/{@code doas}, {@code rm} with {@code -r} or
 *       {@code -f}, a download piped into a shell ({@code curl … | sh}), {@code mkfs}, {@code dd}, fork bombs,
 *       {@code shutdown}/{@code reboot}, {@code chmod}/{@code chown} of {@code /};
 *   <li>command substitution ({@code $(…)}, backticks) and redirection ({@code >}, {@code <}): always refused;
 *   <li>chaining ({@code ;}, {@code &&}, {@code ||}, {@code |}, {@code &}, newlines): refused unless allowed;
 *   <li>each command must be on the allowlist;
 *   <li>arguments may not be absolute paths, start with {@code ~} or use {@code ..}: commands run in the workspace.
 * </ol>
 */
final class ShellPolicy {
    /** The commands allowed by default: read-only inspection of the workspace. */
    static final Set<String> DEFAULT_COMMANDS = Set.of(
            "echo",
            "printf",
            "ls",
            "cat",
            "head",
            "tail",
            "wc",
            "grep",
            "sort",
            "uniq",
            "cut",
            "tr",
            "date",
            "pwd",
            "basename",
            "dirname",
            "stat",
            "du",
            "sha256sum",
            "md5sum",
            "diff",
            "seq",
            "uname",
            "whoami");

    private record Forbidden(Pattern pattern, String message) {}

    private static final List<Forbidden> FORBIDDEN = List.of(
            new Forbidden(
                    Pattern.compile("(^|[\\s;&|(`])(sudo|su|doas)(\\s|$)"),
                    "running commands as another user (sudo, su, doas) is never allowed"),
            new Forbidden(
                    Pattern.compile(
                            "(^|[\\s;&|(`])rm\\s+([^;&|]*\\s)?(-[a-z]*[rf][a-z]*|--recursive|--force)(\\s|$)",
                            Pattern.CASE_INSENSITIVE),
                    "rm -rf (recursive or forced deletion) is never allowed"),
            new Forbidden(
                    Pattern.compile("(curl|wget|fetch)\\b.*\\|\\s*(sudo\\s+)?(ba|z|k|da|fi|c|tc)?sh(\\s|$)"),
                    "piping a download into a shell (curl … | sh) is never allowed"),
            new Forbidden(
                    Pattern.compile("(curl|wget)\\b.*\\|\\s*(python3?|perl|ruby|node)(\\s|$)"),
                    "piping a download into an interpreter (curl … | python) is never allowed"),
            new Forbidden(
                    Pattern.compile("(^|[\\s;&|])mkfs(\\.\\w+)?(\\s|$)"),
                    "formatting file systems (mkfs) is never allowed"),
            new Forbidden(Pattern.compile("(^|[\\s;&|])dd\\s"), "raw disk copies (dd) are never allowed"),
            new Forbidden(Pattern.compile(":\\s*\\(\\s*\\)\\s*\\{"), "fork bombs are never allowed"),
            new Forbidden(
                    Pattern.compile("(^|[\\s;&|])(shutdown|reboot|halt|poweroff|init\\s+[06])(\\s|$)"),
                    "shutting down or rebooting the machine is never allowed"),
            new Forbidden(
                    Pattern.compile("(^|[\\s;&|])(chmod|chown)\\s+(-\\w+\\s+)*\\S+\\s+/(\\s|$)"),
                    "changing permissions or owner of / is never allowed"));

    private final Set<String> allowed;
    private final boolean chaining;

    ShellPolicy(Set<String> allowed, boolean chaining) {
        this.allowed = Set.copyOf(allowed);
        this.chaining = chaining;
    }

    boolean chaining() {
        return chaining;
    }

    /**
     * Checks a command and splits it into words.
     *
     * @return the words to run directly when chaining is off; the whole command for {@code sh -c} when it is on
     * @throws Refusal naming the rule that refuses it
     */
    List<String> check(String command) throws Refusal {
        String trimmed = command.strip();
        if (trimmed.isEmpty()) {
            throw new Refusal("the command is empty");
        }
        for (Forbidden forbidden : FORBIDDEN) {
            if (forbidden.pattern().matcher(trimmed).find()) {
                throw new Refusal("refused: " + forbidden.message() + ": " + trimmed);
            }
        }
        List<List<String>> commands = split(trimmed);
        for (List<String> words : commands) {
            if (words.isEmpty()) {
                throw new Refusal("refused: an empty command between chaining operators in: " + trimmed);
            }
            String program = words.get(0);
            if (!allowed.contains(program)) {
                throw new Refusal("refused: '" + program + "' is not an allowed command; allowed: "
                        + String.join(", ", new java.util.TreeSet<>(allowed))
                        + " (configure with BuiltinTools.builder().shellCommands(..))");
            }
            for (String word : words.subList(1, words.size())) {
                if (word.startsWith("/")
                        || word.startsWith("~")
                        || word.equals("..")
                        || word.startsWith("../")
                        || word.contains("/../")
                        || word.endsWith("/..")
                        || word.contains("=/")
                        || word.contains("=~")) {
                    throw new Refusal("refused: argument '" + word + "' is an absolute path or uses '..'; shell"
                            + " commands run inside the workspace and may only name paths in it");
                }
            }
        }
        return chaining ? List.of("/bin/sh", "-c", trimmed) : commands.get(0);
    }

    /** Splits into commands (one unless chaining is allowed) of words, honouring quotes and backslashes. */
    private List<List<String>> split(String command) throws Refusal {
        List<List<String>> commands = new ArrayList<>();
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
                continue;
            }
            if (c == '`' || (c == '$' && i + 1 < command.length() && command.charAt(i + 1) == '(')) {
                throw new Refusal("refused: command substitution ($(…) or backticks) is never allowed: " + command);
            }
            if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < command.length()) {
                    word.append(command.charAt(++i));
                } else {
                    word.append(c);
                }
                continue;
            }
            switch (c) {
                case '\'', '"' -> {
                    quote = c;
                    inWord = true;
                }
                case '\\' -> {
                    if (i + 1 < command.length()) {
                        word.append(command.charAt(++i));
                    }
                    inWord = true;
                }
                case '>', '<' ->
                    throw new Refusal("refused: redirection ('" + c
                            + "') is not allowed; to write a file use the write_file tool");
                case ';', '&', '|', '\n', '\r' -> {
                    if (!chaining) {
                        String shown = c == '\n' || c == '\r' ? "a newline" : "'" + c + "'";
                        throw new Refusal("refused: shell metacharacter " + shown + " chains commands, and chaining is"
                                + " off; run one command per call (or enable it with"
                                + " BuiltinTools.builder().shellChaining(true))");
                    }
                    if (inWord) {
                        words.add(word.toString());
                        word.setLength(0);
                        inWord = false;
                    }
                    commands.add(words);
                    words = new ArrayList<>();
                    while (i + 1 < command.length() && "&|".indexOf(command.charAt(i + 1)) >= 0) {
                        i++;
                    }
                }
                default -> {
                    if (Character.isWhitespace(c)) {
                        if (inWord) {
                            words.add(word.toString());
                            word.setLength(0);
                            inWord = false;
                        }
                    } else {
                        word.append(c);
                        inWord = true;
                    }
                }
            }
        }
        if (quote != 0) {
            throw new Refusal("unbalanced " + (quote == '"' ? "double" : "single") + " quote in: " + command);
        }
        if (inWord) {
            words.add(word.toString());
        }
        commands.add(words);
        // a trailing operator ("ls;") leaves an empty last command: ignore it
        if (commands.size() > 1 && commands.get(commands.size() - 1).isEmpty()) {
            commands.remove(commands.size() - 1);
        }
        return commands;
    }
}
