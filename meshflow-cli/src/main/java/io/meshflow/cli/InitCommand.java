package io.meshflow.cli;

import io.meshflow.ValidationException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshflow init --template legal|research|coding <dir>}: scaffolds a project: {@code workflow.yaml} (with its
 * policy), {@code policies/strict.yaml}, {@code .env.example}, {@code .gitignore} and a README. The workflow passes
 * {@code meshflow validate} and runs offline on the scripted model. An existing, non-empty directory is refused.
 */
@Command(
        name = "init",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Creates a project from a template: a workflow that validates and runs offline, a stricter policy"
                + " to replay under, .env.example and a README.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  meshflow init --template legal contract-review",
            "  meshflow init --template research my-brief && cd my-brief && meshflow run workflow.yaml"
        })
final class InitCommand implements Callable<Integer> {
    /** The templates and what each one is. */
    static final Map<String, String> TEMPLATES = Map.of(
            "legal", "contract review: clause extraction, risk and compliance review in parallel, a memo",
            "research", "research brief: a plan, figures computed with the calculator tool, a brief",
            "coding", "code change with review: a coder and a reviewer in a loop until it is approved");

    /** The files of every template: resource name, then the name it is written under. */
    private static final List<String[]> FILES = List.of(
            new String[] {"workflow.yaml", "workflow.yaml"},
            new String[] {"policies/strict.yaml", "policies/strict.yaml"},
            new String[] {"env.example", ".env.example"},
            new String[] {"gitignore", ".gitignore"},
            new String[] {"README.md", "README.md"});

    private final CliEnvironment environment;

    @Option(
            names = {"-t", "--template"},
            paramLabel = "NAME",
            required = true,
            completionCandidates = TemplateNames.class,
            description = "The template: ${COMPLETION-CANDIDATES}.")
    private String template = "";

    @Parameters(
            index = "0",
            paramLabel = "<dir>",
            description = "The directory to create (it must not exist or be empty).")
    private Path dir = Path.of(".");

    InitCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() throws IOException {
        String description = TEMPLATES.get(template);
        if (description == null) {
            throw new ValidationException(
                    "unknown template '" + template + "'; choose one of " + List.copyOf(new TemplateNames().list()));
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new ValidationException(dir + " exists and is not a directory");
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new ValidationException(dir + " is not empty; choose a new directory");
                }
            }
        }
        Path name = dir.toAbsolutePath().normalize().getFileName();
        String projectName = name == null ? "meshflow-project" : name.toString();
        List<Path> written = new ArrayList<>();
        for (String[] file : FILES) {
            String text = read(template + "/" + file[0])
                    .replace("{{name}}", projectName)
                    .replace("{{template}}", template)
                    .replace("{{description}}", description);
            Path target = dir.resolve(file[1]);
            Path parent = target.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(target, text, StandardCharsets.UTF_8);
            written.add(target);
        }
        PrintStream out = environment.out();
        out.println("meshflow: created " + dir + " from template '" + template + "' (" + description + "):");
        written.forEach(f -> out.println("  " + f));
        out.println("next: cd " + dir + " && meshflow validate workflow.yaml && meshflow run workflow.yaml");
        out.flush();
        return ExitCode.COMPLETED.code();
    }

    private static String read(String resource) throws IOException {
        try (InputStream in = InitCommand.class.getResourceAsStream("templates/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("template file " + resource + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The template names, sorted, for help and shell completion. */
    static final class TemplateNames implements Iterable<String> {
        List<String> list() {
            return TEMPLATES.keySet().stream().sorted().toList();
        }

        @Override
        public Iterator<String> iterator() {
            return list().iterator();
        }
    }
}
