package io.meshflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Reads and checks the deployment files under {@code deploy/} (Dockerfile, compose file, Kubernetes manifests) and the
 * {@code .dockerignore} against what the code really does: the variables it reads, the routes it serves, the port it
 * binds. Each check returns the problems it finds, one readable sentence each, so that tests can feed it broken input
 * and see it complain. No Docker engine or Kubernetes cluster is involved: the files are parsed as text and YAML.
 */
final class DeployFiles {
    private DeployFiles() {}

    /** Variable names read by the code start with this; any such string literal in the main sources counts. */
    private static final Pattern MESHFLOW_VARIABLE = Pattern.compile("MESHFLOW_[A-Z0-9_]+");

    /** An environment variable's name as vendors write them (ANTHROPIC_API_KEY, AWS_REGION, ...). */
    private static final Pattern UPPER_SNAKE = Pattern.compile("[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+");

    /** {@code $NAME} or {@code ${NAME...}} in shell text, compose files and Dockerfile commands; not {@code $$}. */
    private static final Pattern VARIABLE_REFERENCE =
            Pattern.compile("(?<!\\$)\\$(?:\\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    // ---- files -----------------------------------------------------------------------------------------------------

    /** The repository's root: the nearest directory above the working directory with {@code mvnw} and deploy/. */
    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("mvnw")) && Files.isDirectory(d.resolve("deploy"))) {
                return d;
            }
        }
        throw new IllegalStateException("no repository root (mvnw and deploy/) above " + dir);
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every YAML document of a file ({@code ---} separates them), empty documents left out. */
    static List<JsonNode> yamlDocuments(String text) {
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
            while (it.hasNext()) {
                JsonNode node = it.next();
                if (node != null && !node.isNull() && !node.isMissingNode()) {
                    documents.add(node);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return documents;
    }

    /** The Kubernetes objects of every {@code *.yaml} file of a directory, in file-name order. */
    static List<JsonNode> kubernetesObjects(Path dir) {
        List<JsonNode> objects = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file :
                    files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                objects.addAll(yamlDocuments(read(file)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return objects;
    }

    // ---- Dockerfile ------------------------------------------------------------------------------------------------

    /**
     * One Dockerfile instruction, continuation lines joined.
     *
     * @param keyword upper case: FROM, RUN, COPY, ...
     * @param arguments the rest, trimmed
     * @param line where it starts (1-based)
     */
    record Instruction(String keyword, String arguments, int line) {}

    /**
     * A build stage: its base image, its name (AS ...) and its instructions after FROM.
     *
     * @param name empty when the stage has none
     */
    record Stage(String image, String name, List<Instruction> instructions) {
        List<Instruction> all(String keyword) {
            return instructions.stream()
                    .filter(i -> i.keyword().equals(keyword))
                    .toList();
        }

        /** The stage's ENV variables, later instructions overriding earlier ones. */
        Map<String, String> env() {
            Map<String, String> env = new LinkedHashMap<>();
            all("ENV").forEach(i -> env.putAll(envAssignments(i.arguments())));
            return env;
        }
    }

    /** The instructions of a Dockerfile: comments (and the parser directives, which are comments) left out. */
    static List<Instruction> instructions(String dockerfile) {
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = null;
        int start = 0;
        String[] lines = dockerfile.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String trimmed = lines[i].strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue; // also inside a continuation: Docker drops comment lines there
            }
            if (current == null) {
                current = new StringBuilder();
                start = i + 1;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            String text = current.toString().strip();
            int space = text.indexOf(' ');
            String keyword = (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
            out.add(new Instruction(
                    keyword, space < 0 ? "" : text.substring(space + 1).strip(), start));
            current = null;
        }
        return out;
    }

    /** The stages of a Dockerfile (instructions before the first FROM, such as ARG, are not part of any). */
    static List<Stage> stages(String dockerfile) {
        List<Stage> stages = new ArrayList<>();
        String image = null;
        String name = "";
        List<Instruction> body = new ArrayList<>();
        for (Instruction instruction : instructions(dockerfile)) {
            if (instruction.keyword().equals("FROM")) {
                if (image != null) {
                    stages.add(new Stage(image, name, List.copyOf(body)));
                }
                List<String> words = new ArrayList<>(words(instruction.arguments()));
                words.removeIf(w -> w.startsWith("--"));
                image = words.isEmpty() ? "" : words.get(0);
                name = words.size() >= 3 && words.get(1).equalsIgnoreCase("AS") ? words.get(2) : "";
                body.clear();
            } else if (image != null) {
                body.add(instruction);
            }
        }
        if (image != null) {
            stages.add(new Stage(image, name, List.copyOf(body)));
        }
        return stages;
    }

    /** Whitespace-separated words; double quotes group words and are removed. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean inWord = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted;
                inWord = true;
            } else if (Character.isWhitespace(c) && !quoted) {
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
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    /** {@code ENV K=V K2="a b"} (or the old form {@code ENV K value with spaces}). */
    static Map<String, String> envAssignments(String arguments) {
        Map<String, String> env = new LinkedHashMap<>();
        List<String> words = words(arguments);
        if (!words.isEmpty() && !words.get(0).contains("=")) {
            String name = words.get(0);
            env.put(name, arguments.strip().substring(name.length()).strip());
            return env;
        }
        for (String word : words) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                env.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        return env;
    }

    /** The JSON array of an exec-form CMD or ENTRYPOINT; empty when the instruction uses the shell form. */
    static List<String> execForm(Instruction instruction) {
        String arguments = instruction.arguments();
        if (!arguments.startsWith("[")) {
            return List.of();
        }
        try {
            List<String> out = new ArrayList<>();
            new ObjectMapper().readTree(arguments).forEach(n -> out.add(n.asText()));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last instruction of that keyword in the stage (the one in force), if any. */
    static Optional<Instruction> last(Stage stage, String keyword) {
        List<Instruction> all = stage.all(keyword);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    private static final Pattern HEALTH_URL = Pattern.compile("https?://[^/\\s\"':]+:([^/\\s\"']+)(/[^\\s\"']*)");

    /**
     * What is wrong with a Dockerfile meant to build and run the server: it must have a build stage that runs the
     * Maven wrapper and a final stage on a JRE 21 image that copies from it, a numeric non-root USER (Kubernetes'
     * runAsNonRoot can only verify numeric ones), one EXPOSEd port, and a HEALTHCHECK that asks {@code /health} on
     * that port, written as a number or as a variable the stage sets with ENV.
     */
    static List<String> dockerfileProblems(String dockerfile) {
        List<String> problems = new ArrayList<>();
        List<Stage> stages = stages(dockerfile);
        if (stages.size() < 2) {
            problems.add("expected a multi-stage build (a build stage and a runtime stage), found " + stages.size()
                    + " stage(s)");
            return problems;
        }
        List<Stage> builders = stages.subList(0, stages.size() - 1);
        Stage runtime = stages.get(stages.size() - 1);
        boolean wrapper = builders.stream()
                .flatMap(s -> s.all("RUN").stream())
                .anyMatch(r -> r.arguments().contains("./mvnw "));
        if (!wrapper) {
            problems.add("no build stage runs the Maven wrapper (./mvnw)");
        }
        String tag = runtime.image().contains(":")
                ? runtime.image().substring(runtime.image().indexOf(':') + 1)
                : "";
        if (!tag.startsWith("21") || !tag.contains("jre")) {
            problems.add("the runtime stage should run on a JRE 21 image (such as eclipse-temurin:21-jre), not '"
                    + runtime.image() + "'");
        }
        Set<String> builderNames = new TreeSet<>();
        builders.forEach(s -> builderNames.add(s.name()));
        boolean copiesBuild = runtime.all("COPY").stream()
                .map(c -> words(c.arguments()))
                .anyMatch(w ->
                        w.stream().anyMatch(x -> x.startsWith("--from=") && builderNames.contains(x.substring(7))));
        if (!copiesBuild) {
            problems.add("the runtime stage copies nothing from the build stage (COPY --from=" + builderNames + ")");
        }

        Optional<Instruction> user = last(runtime, "USER");
        if (user.isEmpty()) {
            problems.add("the runtime stage has no USER: the server would run as root");
        } else {
            String uid = user.get().arguments().split(":", -1)[0].strip();
            if (!uid.matches("[0-9]+")) {
                problems.add("USER " + user.get().arguments() + " (line "
                        + user.get().line()
                        + ") is not a numeric uid; Kubernetes' runAsNonRoot cannot verify a user name");
            } else if (Long.parseLong(uid) == 0) {
                problems.add("USER " + user.get().arguments() + " (line "
                        + user.get().line() + ") is root");
            }
        }

        List<String> exposed = new ArrayList<>();
        runtime.all("EXPOSE").forEach(e -> words(e.arguments()).forEach(p -> exposed.add(p.replaceAll("/.*", ""))));
        if (exposed.size() != 1) {
            problems.add("expected exactly one EXPOSEd port, found " + exposed);
        }
        Optional<Instruction> healthcheck = last(runtime, "HEALTHCHECK");
        if (healthcheck.isEmpty()) {
            problems.add("the runtime stage has no HEALTHCHECK");
        } else {
            Matcher url = HEALTH_URL.matcher(healthcheck.get().arguments());
            if (!url.find()) {
                problems.add("the HEALTHCHECK asks no http://host:port/ URL: "
                        + healthcheck.get().arguments());
            } else {
                if (!url.group(2).equals("/health")) {
                    problems.add("the HEALTHCHECK asks " + url.group(2) + ", not /health");
                }
                String port = resolve(url.group(1), runtime.env());
                if (!exposed.contains(port)) {
                    problems.add("the HEALTHCHECK asks port " + url.group(1) + " (= " + port
                            + "), which is not the EXPOSEd port " + exposed);
                }
            }
        }
        return problems;
    }

    /** A port written as a number, or as {@code ${NAME}} / {@code $NAME} resolved with the stage's ENV. */
    private static String resolve(String port, Map<String, String> env) {
        Matcher m = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}|\\$([A-Za-z_][A-Za-z0-9_]*)")
                .matcher(port);
        if (m.matches()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            return env.getOrDefault(name, "<" + name + " unset>");
        }
        return port;
    }

    // ---- .dockerignore ---------------------------------------------------------------------------------------------

    /**
     * Whether {@code .dockerignore} keeps a path (relative to the context, with '/') out of the build context: the
     * last matching pattern wins, {@code !} re-includes, a pattern that matches a directory excludes what is under
     * it, and {@code **} matches any number of directories, none included.
     */
    static boolean dockerIgnored(List<String> patterns, String path) {
        boolean ignored = false;
        for (String raw : patterns) {
            String pattern = raw.strip();
            if (pattern.isEmpty() || pattern.startsWith("#")) {
                continue;
            }
            boolean include = pattern.startsWith("!");
            if (include) {
                pattern = pattern.substring(1).strip();
            }
            pattern = pattern.replaceAll("^/+", "").replaceAll("/+$", "");
            if (matchesItselfOrAParent(pattern, path)) {
                ignored = !include;
            }
        }
        return ignored;
    }

    private static boolean matchesItselfOrAParent(String pattern, String path) {
        List<String> globs = new ArrayList<>(List.of(pattern));
        String rest = pattern;
        while (rest.startsWith("**/")) {
            rest = rest.substring(3);
            globs.add(rest);
        }
        for (String glob : globs) {
            var matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
            for (String p = path; !p.isEmpty(); p = p.contains("/") ? p.substring(0, p.lastIndexOf('/')) : "") {
                if (matcher.matches(Path.of(p))) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---- variables -------------------------------------------------------------------------------------------------

    /**
     * The contents of the string literals of Java source text (plain strings and text blocks, escapes left as
     * written), with comments and character literals skipped.
     */
    static List<String> javaStringLiterals(String source) {
        List<String> literals = new ArrayList<>();
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (c == '/' && i + 1 < n && source.charAt(i + 1) == '/') {
                int end = source.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '*') {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                int end = i + 3;
                while (end < n && !(source.startsWith("\"\"\"", end) && source.charAt(end - 1) != '\\')) {
                    end++;
                }
                literals.add(source.substring(i + 3, Math.min(end, n)));
                i = end + 3;
            } else if (c == '"' || c == '\'') {
                int end = i + 1;
                while (end < n && source.charAt(end) != c) {
                    end += source.charAt(end) == '\\' ? 2 : 1;
                }
                if (c == '"') {
                    literals.add(source.substring(i + 1, Math.min(end, n)));
                }
                i = end + 1;
            } else {
                i++;
            }
        }
        return literals;
    }

    /**
     * The environment variables the server and the CLI read, found in the main sources of the modules the CLI ships
     * ({@code meshflow-*} but the testkit): every string literal that is a {@code MESHFLOW_...} name, and, in the
     * provider modules, every literal written like a variable name (the vendors' {@code ANTHROPIC_API_KEY},
     * {@code AWS_REGION}, ...). Literals in comments do not count.
     */
    static Set<String> variablesReadBySources(Path root) {
        Set<String> found = new TreeSet<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.filter(m -> m.getFileName().toString().startsWith("meshflow-"))
                    .filter(m -> !m.getFileName().toString().equals("meshflow-testkit"))
                    .toList()) {
                Path sources = module.resolve("src/main/java");
                if (!Files.isDirectory(sources)) {
                    continue;
                }
                boolean provider = module.getFileName().toString().startsWith("meshflow-provider-");
                try (Stream<Path> files = Files.walk(sources)) {
                    for (Path file :
                            files.filter(f -> f.toString().endsWith(".java")).toList()) {
                        for (String literal : javaStringLiterals(read(file))) {
                            if (MESHFLOW_VARIABLE.matcher(literal).matches()
                                    || (provider && UPPER_SNAKE.matcher(literal).matches())) {
                                found.add(literal);
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /** The variables a shell script refers to ({@code $NAME}, {@code ${NAME:-x}}), comment lines left out. */
    static Set<String> shellVariables(String script) {
        Set<String> names = new TreeSet<>();
        for (String line : script.split("\n", -1)) {
            if (!line.strip().startsWith("#")) {
                names.addAll(variableReferences(line));
            }
        }
        return names;
    }

    /** The variables referred to in text as {@code $NAME} or {@code ${NAME...}}. */
    static Set<String> variableReferences(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = VARIABLE_REFERENCE.matcher(text);
        while (m.find()) {
            names.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return names;
    }

    /**
     * The variables named in the rows of README.md's Configuration table: every {@code `NAME`} written like a
     * variable in a row's first cell.
     */
    static Set<String> configurationTable(String readme) {
        int start = readme.indexOf("\n## Configuration\n");
        if (start < 0) {
            throw new IllegalArgumentException("README.md has no '## Configuration' section");
        }
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        Set<String> names = new TreeSet<>();
        Pattern quoted = Pattern.compile("`([A-Z][A-Z0-9_]*)`");
        for (String line : section.split("\n", -1)) {
            if (line.startsWith("|")) {
                String[] cells = line.split("\\|", -1);
                if (cells.length > 1) {
                    Matcher m = quoted.matcher(cells[1]);
                    while (m.find()) {
                        names.add(m.group(1));
                    }
                }
            }
        }
        return names;
    }

    /**
     * The variables each deployment file gives the MeshFlow process, by file: the Dockerfile's ENV of the runtime
     * stage and the variables its HEALTHCHECK uses; in the compose file, the meshflow service's environment and the
     * variables interpolated into that service (the postgres and jaeger services' variables belong to those
     * images); the ConfigMap's and the Secret's keys (the pods take them with envFrom) and the Deployment's env.
     */
    static Map<String, Set<String>> deployVariables(Path root) {
        Map<String, Set<String>> byFile = new LinkedHashMap<>();

        List<Stage> stages = stages(read(root.resolve("deploy/Dockerfile")));
        Stage runtime = stages.get(stages.size() - 1);
        Set<String> docker = new TreeSet<>(runtime.env().keySet());
        last(runtime, "HEALTHCHECK").ifPresent(h -> docker.addAll(variableReferences(h.arguments())));
        byFile.put("deploy/Dockerfile", docker);

        JsonNode service = composeService(root, "meshflow");
        Set<String> compose = new TreeSet<>(environmentNames(service.path("environment")));
        compose.addAll(variableReferences(service.toString()));
        byFile.put("deploy/docker-compose.yml", compose);

        try (Stream<Path> files = Files.list(root.resolve("deploy/k8s"))) {
            for (Path file :
                    files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                Set<String> names = new TreeSet<>();
                for (JsonNode object : yamlDocuments(read(file))) {
                    switch (object.path("kind").asText()) {
                        case "ConfigMap" -> object.path("data").fieldNames().forEachRemaining(names::add);
                        case "Secret" -> {
                            object.path("data").fieldNames().forEachRemaining(names::add);
                            object.path("stringData").fieldNames().forEachRemaining(names::add);
                        }
                        case "Deployment" -> {
                            for (JsonNode container : object.at("/spec/template/spec/containers")) {
                                container
                                        .path("env")
                                        .forEach(e -> names.add(e.path("name").asText()));
                            }
                        }
                        default -> {}
                    }
                }
                if (!names.isEmpty()) {
                    byFile.put(root.relativize(file).toString(), names);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return byFile;
    }

    /** One service of deploy/docker-compose.yml. */
    static JsonNode composeService(Path root, String name) {
        JsonNode compose =
                yamlDocuments(read(root.resolve("deploy/docker-compose.yml"))).get(0);
        JsonNode service = compose.path("services").path(name);
        if (service.isMissingNode()) {
            throw new IllegalStateException("deploy/docker-compose.yml has no service '" + name + "'");
        }
        return service;
    }

    /** The names of a compose {@code environment:}, written as a mapping or as a list of NAME=value. */
    static Set<String> environmentNames(JsonNode environment) {
        Set<String> names = new TreeSet<>();
        if (environment.isObject()) {
            environment.fieldNames().forEachRemaining(names::add);
        } else {
            environment.forEach(e -> names.add(e.asText().split("=", 2)[0]));
        }
        return names;
    }

    /** The variables of {@code named} (by file) that are not in {@code known}, one problem each. */
    static List<String> unknownVariables(Map<String, Set<String>> named, Set<String> known) {
        List<String> problems = new ArrayList<>();
        named.forEach((file, names) -> names.stream()
                .filter(n -> !known.contains(n))
                .forEach(n -> problems.add(file + " sets " + n + ", which neither the server nor the CLI reads")));
        return problems;
    }

    /** The variables of {@code named} (by file) missing from README.md's Configuration table, one problem each. */
    static List<String> undocumentedVariables(Map<String, Set<String>> named, Set<String> documented) {
        List<String> problems = new ArrayList<>();
        named.forEach((file, names) -> names.stream()
                .filter(n -> !documented.contains(n))
                .forEach(n -> problems.add(
                        file + " sets " + n + ", which README.md's Configuration table does not" + " describe")));
        return problems;
    }

    // ---- Kubernetes ------------------------------------------------------------------------------------------------

    /** The apiVersion each kind of object in deploy/k8s must have. */
    static final Map<String, String> API_VERSIONS = Map.of(
            "Deployment", "apps/v1",
            "Service", "v1",
            "ConfigMap", "v1",
            "Secret", "v1",
            "HorizontalPodAutoscaler", "autoscaling/v2",
            "PodDisruptionBudget", "policy/v1");

    /** The one object of a kind; fails when there is none or several. */
    static JsonNode only(List<JsonNode> objects, String kind) {
        List<JsonNode> found = objects.stream()
                .filter(o -> o.path("kind").asText().equals(kind))
                .toList();
        if (found.size() != 1) {
            throw new IllegalStateException("expected one " + kind + ", found " + found.size());
        }
        return found.get(0);
    }

    /**
     * What is wrong with the Kubernetes objects of the server: one object of each kind of {@link #API_VERSIONS} with
     * that apiVersion; the Deployment's selector, the Service's and the PodDisruptionBudget's select the pod
     * template's labels; the HorizontalPodAutoscaler targets the Deployment by kind and name; the container's port
     * is the ConfigMap's {@code MESHFLOW_PORT}, the Service's targetPort and every probe's port; liveness and
     * startup probes ask {@code livenessPath}, the readiness probe {@code readinessPath}; the container takes the
     * ConfigMap and the Secret with envFrom; the Secret provides {@code MESHFLOW_API_KEYS}.
     */
    static List<String> kubernetesProblems(List<JsonNode> objects, String livenessPath, String readinessPath) {
        List<String> problems = new ArrayList<>();
        Map<String, List<JsonNode>> byKind = new LinkedHashMap<>();
        for (JsonNode object : objects) {
            String kind = object.path("kind").asText();
            byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(object);
            String expected = API_VERSIONS.get(kind);
            if (expected == null) {
                problems.add("unexpected kind '" + kind + "' ("
                        + object.at("/metadata/name").asText() + ")");
            } else if (!expected.equals(object.path("apiVersion").asText())) {
                problems.add(kind + " " + object.at("/metadata/name").asText() + " has apiVersion "
                        + object.path("apiVersion").asText() + ", expected " + expected);
            }
        }
        for (String kind : API_VERSIONS.keySet()) {
            int count = byKind.getOrDefault(kind, List.of()).size();
            if (count != 1) {
                problems.add("expected one " + kind + ", found " + count);
            }
        }
        if (!problems.isEmpty()) {
            return problems;
        }
        JsonNode deployment = only(objects, "Deployment");
        JsonNode service = only(objects, "Service");
        JsonNode configMap = only(objects, "ConfigMap");
        JsonNode secret = only(objects, "Secret");
        JsonNode hpa = only(objects, "HorizontalPodAutoscaler");
        JsonNode pdb = only(objects, "PodDisruptionBudget");
        String deploymentName = deployment.at("/metadata/name").asText();
        JsonNode podLabels = deployment.at("/spec/template/metadata/labels");

        requireSelects("the Deployment's selector", deployment.at("/spec/selector/matchLabels"), podLabels, problems);
        requireSelects("the Service's selector", service.at("/spec/selector"), podLabels, problems);
        requireSelects("the PodDisruptionBudget's selector", pdb.at("/spec/selector/matchLabels"), podLabels, problems);

        JsonNode target = hpa.at("/spec/scaleTargetRef");
        if (!target.path("kind").asText().equals("Deployment")
                || !target.path("apiVersion").asText().equals("apps/v1")
                || !target.path("name").asText().equals(deploymentName)) {
            problems.add("the HorizontalPodAutoscaler targets "
                    + target.path("apiVersion").asText() + " "
                    + target.path("kind").asText() + " '" + target.path("name").asText() + "', not apps/v1"
                    + " Deployment '" + deploymentName + "'");
        }

        JsonNode containers = deployment.at("/spec/template/spec/containers");
        if (containers.size() != 1) {
            problems.add("expected one container in the Deployment, found " + containers.size());
            return problems;
        }
        JsonNode container = containers.get(0);
        String port = configMap.at("/data/MESHFLOW_PORT").asText();
        Map<String, String> ports = new LinkedHashMap<>();
        container
                .path("ports")
                .forEach(p -> ports.put(
                        p.path("name").asText(), p.path("containerPort").asText()));
        if (!ports.containsValue(port)) {
            problems.add("the container's ports " + ports.values() + " do not include MESHFLOW_PORT " + port
                    + " of the ConfigMap");
        }
        String targetPort = portNumber(service.at("/spec/ports/0/targetPort"), ports);
        if (!targetPort.equals(port)) {
            problems.add("the Service's targetPort is " + targetPort + ", not the server's port " + port);
        }
        Map<String, String> probes =
                Map.of("startupProbe", livenessPath, "livenessProbe", livenessPath, "readinessProbe", readinessPath);
        for (Map.Entry<String, String> probe : new TreeMap<>(probes).entrySet()) {
            JsonNode get = container.path(probe.getKey()).path("httpGet");
            if (get.isMissingNode()) {
                problems.add("the container has no " + probe.getKey() + " with httpGet");
                continue;
            }
            if (!get.path("path").asText().equals(probe.getValue())) {
                problems.add(
                        "the " + probe.getKey() + " asks " + get.path("path").asText() + ", not " + probe.getValue());
            }
            String probePort = portNumber(get.path("port"), ports);
            if (!probePort.equals(port)) {
                problems.add("the " + probe.getKey() + " asks port " + probePort + ", not the server's port " + port);
            }
        }
        Set<String> fromConfigMaps = new TreeSet<>();
        Set<String> fromSecrets = new TreeSet<>();
        container.path("envFrom").forEach(e -> {
            if (e.has("configMapRef")) {
                fromConfigMaps.add(e.at("/configMapRef/name").asText());
            }
            if (e.has("secretRef")) {
                fromSecrets.add(e.at("/secretRef/name").asText());
            }
        });
        if (!fromConfigMaps.contains(configMap.at("/metadata/name").asText())) {
            problems.add("the container does not take the ConfigMap "
                    + configMap.at("/metadata/name").asText() + " with envFrom");
        }
        if (!fromSecrets.contains(secret.at("/metadata/name").asText())) {
            problems.add("the container does not take the Secret "
                    + secret.at("/metadata/name").asText() + " with envFrom");
        }
        if (!secret.path("stringData").has("MESHFLOW_API_KEYS")
                && !secret.path("data").has("MESHFLOW_API_KEYS")) {
            problems.add("the Secret does not provide MESHFLOW_API_KEYS");
        }
        return problems;
    }

    /** A port given by number or by the name of one of the container's ports. */
    private static String portNumber(JsonNode port, Map<String, String> named) {
        String value = port.asText();
        return port.isInt() ? value : named.getOrDefault(value, "'" + value + "' (no such port name)");
    }

    private static void requireSelects(String what, JsonNode selector, JsonNode labels, List<String> problems) {
        if (!selector.isObject() || selector.isEmpty()) {
            problems.add(what + " is empty");
            return;
        }
        selector.properties().forEach(e -> {
            if (!labels.path(e.getKey()).asText().equals(e.getValue().asText())) {
                problems.add(what + " wants " + e.getKey() + "=" + e.getValue().asText() + ", which the pods' labels "
                        + labels + " do not have");
            }
        });
    }

    /** The value of {@code --name} in a command line, if given (as two words or as --name=value). */
    static @Nullable String option(List<String> args, String name) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals(name) && i + 1 < args.size()) {
                return args.get(i + 1);
            }
            if (args.get(i).startsWith(name + "=")) {
                return args.get(i).substring(name.length() + 1);
            }
        }
        return null;
    }
}
