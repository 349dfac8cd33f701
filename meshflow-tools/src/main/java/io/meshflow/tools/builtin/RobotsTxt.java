package io.meshflow.tools.builtin;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The rules of a robots.txt file (RFC 9309) for one user agent: the group naming it, else the {@code *} group;
 * the longest matching {@code Allow}/{@code Disallow} rule wins, {@code Allow} on a tie; {@code *} and {@code $} work
 * as wildcard and end anchor.
 */
final class RobotsTxt {
    /** The product token MeshFlow looks for in {@code User-agent} lines. */
    static final String AGENT_TOKEN = "meshflow";

    static final RobotsTxt ALLOW_ALL = new RobotsTxt(List.of());
    static final RobotsTxt DISALLOW_ALL = new RobotsTxt(List.of(new Rule(false, "/")));

    private record Rule(boolean allow, String pattern) {}

    private final List<Rule> rules;

    private RobotsTxt(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    static RobotsTxt parse(String text) {
        List<Rule> specific = new ArrayList<>();
        List<Rule> star = new ArrayList<>();
        boolean matchesUs = false;
        boolean matchesStar = false;
        boolean foundSpecific = false;
        boolean inAgents = false;
        for (String raw : text.lines().toList()) {
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).trim();
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (key.equals("user-agent")) {
                if (!inAgents) {
                    matchesUs = false;
                    matchesStar = false;
                    inAgents = true;
                }
                String agent = value.toLowerCase(Locale.ROOT);
                if (agent.equals("*")) {
                    matchesStar = true;
                } else if (productToken(agent).equals(AGENT_TOKEN)
                        || productToken(agent).equals(AGENT_TOKEN + "-tools")) {
                    matchesUs = true;
                    foundSpecific = true;
                }
            } else if (key.equals("allow") || key.equals("disallow")) {
                inAgents = false;
                if (value.isEmpty()) {
                    continue; // an empty Disallow allows everything
                }
                Rule rule = new Rule(key.equals("allow"), value);
                if (matchesUs) {
                    specific.add(rule);
                }
                if (matchesStar) {
                    star.add(rule);
                }
            } else {
                inAgents = false;
            }
        }
        return new RobotsTxt(foundSpecific ? specific : star);
    }

    /** The product token of a user-agent value: {@code MeshFlow/1.0} → {@code meshflow}. */
    private static String productToken(String agent) {
        int slash = agent.indexOf('/');
        return (slash >= 0 ? agent.substring(0, slash) : agent).trim();
    }

    /** Whether a path (with its query) may be fetched. */
    boolean allows(String pathAndQuery) {
        String path = pathAndQuery.isEmpty() ? "/" : pathAndQuery;
        Rule best = null;
        for (Rule rule : rules) {
            if (matches(rule.pattern(), path)
                    && (best == null
                            || rule.pattern().length() > best.pattern().length()
                            || (rule.pattern().length() == best.pattern().length() && rule.allow()))) {
                best = rule;
            }
        }
        return best == null || best.allow();
    }

    private static boolean matches(String pattern, String path) {
        boolean anchored = pattern.endsWith("$");
        String body = anchored ? pattern.substring(0, pattern.length() - 1) : pattern;
        StringBuilder regex = new StringBuilder();
        int from = 0;
        while (true) {
            int star = body.indexOf('*', from);
            regex.append(java.util.regex.Pattern.quote(star < 0 ? body.substring(from) : body.substring(from, star)));
            if (star < 0) {
                break;
            }
            regex.append(".*");
            from = star + 1;
        }
        if (!anchored) {
            regex.append(".*");
        }
        return java.util.regex.Pattern.compile(regex.toString(), java.util.regex.Pattern.DOTALL)
                .matcher(path)
                .matches();
    }
}
