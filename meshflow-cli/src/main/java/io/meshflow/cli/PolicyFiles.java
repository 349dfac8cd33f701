package io.meshflow.cli;

import io.meshflow.ValidationException;
import io.meshflow.policy.Policy;
import io.meshflow.workflow.yaml.WorkflowLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
        String section = POLICY_SECTION.matcher(text).find()
                ? text
                : "policy:\n" + text.lines().map(line -> "  " + line).reduce("", (a, b) -> a + b + "\n");
        // a one-node workflow around the policy, so that the loader checks it as it checks a workflow's policy
        String yaml = section + "\nname: policy-file\nnodes:\n  - {id: check, function: identity}\n";
        return WorkflowLoader.builder()
                .build()
                .load(yaml, file.toString())
                .workflow()
                .policy()
                .orElseThrow(() -> new ValidationException("policy file " + file + " sets no policy"));
    }
}
