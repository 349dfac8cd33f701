package io.meshflow.cli;

import io.meshflow.ValidationException;
import io.meshflow.policy.Policy;
import io.meshflow.workflow.yaml.WorkflowLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code --policy} of {@code meshflow replay}: a preset name ({@code dev}, {@code standard}, {@code strict}) or a
 * YAML file with the keys of a workflow file's {@code policy:} section ({@code mode}, {@code max_tokens}, {@code
 * max_cost_usd}, ...), at the top level or under {@code policy:}. The file is read by the workflow loader itself, so
 * it accepts exactly what a workflow's {@code policy:} accepts and reports problems the same way.
 */
final class PolicyFiles {
    private static final Pattern POLICY_SECTION = Pattern.compile("(?m)^policy\\s*:");

    private PolicyFiles() {}

    /**
     * The policy a preset name or a file gives.
     *
     * @throws ValidationException when it is neither a preset nor a readable, valid policy file
     */
    static Policy read(String presetOrFile) {
        if (Policy.MODES.contains(presetOrFile)) {
            return Policy.forMode(presetOrFile);
        }
        Path file = Path.of(presetOrFile);
        if (!Files.isRegularFile(file)) {
            throw new ValidationException(
                    "--policy " + presetOrFile + " is neither a policy preset " + Policy.MODES + " nor a policy file");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ValidationException("cannot read policy file " + file + ": " + e.getMessage());
        }
        boolean wrapped = !POLICY_SECTION.matcher(text).find();
        String section =
                wrapped ? "policy:\n" + text.lines().map(line -> "  " + line).reduce("", (a, b) -> a + b + "\n") : text;
        // a one-node workflow around the policy, so that the loader checks it as it checks a workflow's policy
        String yaml = section + "\nname: policy-file\nnodes:\n  - {id: check, function: identity}\n";
        try {
            return WorkflowLoader.builder()
                    .build()
                    .load(yaml, file.toString())
                    .workflow()
                    .policy()
                    .orElseThrow(() -> new ValidationException("policy file " + file + " sets no policy"));
        } catch (ValidationException e) {
            if (!wrapped) {
                throw e;
            }
            // the added "policy:" line moved every line down by one: report the file's own line numbers
            Pattern at = Pattern.compile("^" + Pattern.quote(file.toString()) + ":(\\d+):");
            List<String> problems = new ArrayList<>();
            for (String problem : e.problems()) {
                Matcher m = at.matcher(problem);
                problems.add(
                        m.find()
                                ? file + ":" + Math.max(1, Integer.parseInt(m.group(1)) - 1) + ":"
                                        + problem.substring(m.end())
                                : problem);
            }
            throw new ValidationException(problems);
        }
    }
}
