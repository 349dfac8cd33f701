package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshflow.ValidationException;
import io.meshflow.server.ApiKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The deployment files (deploy/Dockerfile, deploy/docker-compose.yml, deploy/k8s/, .dockerignore, Makefile) agree with
 * the code: they parse, name only variables the server or the CLI reads (and README.md describes), probe the routes
 * the server has on the port it binds, and the Kubernetes objects refer to each other correctly. No Docker engine and
 * no cluster: the files are read as text and YAML. {@link DeployServeIT} then starts the server the way they do.
 */
class DeployFilesTest {
    private final Path root = DeployFiles.repositoryRoot();

    private String dockerfile() {
        return DeployFiles.read(root.resolve("deploy/Dockerfile"));
    }

    private DeployFiles.Stage runtimeStage() {
        List<DeployFiles.Stage> stages = DeployFiles.stages(dockerfile());
        return stages.get(stages.size() - 1);
    }

    private List<JsonNode> kubernetes() {
        return DeployFiles.kubernetesObjects(root.resolve("deploy/k8s"));
    }

    // ---- YAML ------------------------------------------------------------------------------------------------------

    @Test
    void everyYamlFile_underDeploy_parses_intoAtLeastOneMapping() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root.resolve("deploy"))) {
            files = walk.filter(
                            f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        }

        assertThat(files)
                .extracting(f -> root.relativize(f).toString())
                .contains(
                        "deploy/docker-compose.yml",
                        "deploy/k8s/configmap.yaml",
                        "deploy/k8s/deployment.yaml",
                        "deploy/k8s/hpa.yaml",
                        "deploy/k8s/pdb.yaml",
                        "deploy/k8s/secret.yaml",
                        "deploy/k8s/service.yaml");
        for (Path file : files) {
            List<JsonNode> documents = DeployFiles.yamlDocuments(DeployFiles.read(file));
            assertThat(documents).as(file.toString()).isNotEmpty().allMatch(JsonNode::isObject);
        }
    }

    @Test
    void yamlDocuments_malformedYaml_fails() {
        assertThatThrownBy(() -> DeployFiles.yamlDocuments("kind: Service\nspec: [unclosed\n"))
                .hasMessageContaining("unclosed");
    }

    // ---- Kubernetes ------------------------------------------------------------------------------------------------

    @Test
    void kubernetesObjects_haveTheirKindsAndApiVersions_andReferToEachOther() {
        List<JsonNode> objects = kubernetes();

        assertThat(objects)
                .extracting(o ->
                        o.path("kind").asText() + " " + o.path("apiVersion").asText())
                .containsExactlyInAnyOrder(
                        "ConfigMap v1",
                        "Deployment apps/v1",
                        "HorizontalPodAutoscaler autoscaling/v2",
                        "PodDisruptionBudget policy/v1",
                        "Secret v1",
                        "Service v1");
        assertThat(DeployFiles.kubernetesProblems(objects, "/health", "/ready")).isEmpty();
        JsonNode container = DeployFiles.only(objects, "Deployment").at("/spec/template/spec/containers/0");
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/ready");
        assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(8080);
        assertThat(DeployFiles.only(objects, "HorizontalPodAutoscaler")
                        .at("/spec/scaleTargetRef/name")
                        .asText())
                .isEqualTo("meshflow");
    }

    @Test
    void kubernetesProblems_brokenReferences_areEachReported() {
        List<JsonNode> objects = new ArrayList<>();
        kubernetes().forEach(o -> objects.add(o.deepCopy()));
        ((ObjectNode) DeployFiles.only(objects, "HorizontalPodAutoscaler").at("/spec/scaleTargetRef"))
                .put("name", "meshflow-old");
        ((ObjectNode) DeployFiles.only(objects, "PodDisruptionBudget").at("/spec/selector/matchLabels"))
                .put("app.kubernetes.io/name", "other");
        ((ObjectNode) DeployFiles.only(objects, "Service").at("/spec/selector")).put("tier", "web");
        JsonNode container = DeployFiles.only(objects, "Deployment").at("/spec/template/spec/containers/0");
        ((ObjectNode) container.at("/readinessProbe/httpGet")).put("path", "/healthz");
        ((ObjectNode) container.at("/livenessProbe/httpGet")).put("port", 9090);
        ((ObjectNode) DeployFiles.only(objects, "Secret").path("stringData")).remove("MESHFLOW_API_KEYS");

        assertThat(DeployFiles.kubernetesProblems(objects, "/health", "/ready"))
                .containsExactlyInAnyOrder(
                        "the PodDisruptionBudget's selector wants app.kubernetes.io/name=other, which the pods' labels"
                                + " {\"app.kubernetes.io/name\":\"meshflow\",\"app.kubernetes.io/component\":\"server\"}"
                                + " do not have",
                        "the Service's selector wants tier=web, which the pods' labels"
                                + " {\"app.kubernetes.io/name\":\"meshflow\",\"app.kubernetes.io/component\":\"server\"}"
                                + " do not have",
                        "the HorizontalPodAutoscaler targets apps/v1 Deployment 'meshflow-old', not apps/v1 Deployment"
                                + " 'meshflow'",
                        "the readinessProbe asks /healthz, not /ready",
                        "the livenessProbe asks port 9090, not the server's port 8080",
                        "the Secret does not provide MESHFLOW_API_KEYS");
    }

    @Test
    void kubernetesProblems_wrongApiVersionAndMissingKind_areReported() {
        List<JsonNode> objects = new ArrayList<>();
        kubernetes().forEach(o -> objects.add(o.deepCopy()));
        ((ObjectNode) DeployFiles.only(objects, "HorizontalPodAutoscaler")).put("apiVersion", "autoscaling/v1");
        objects.remove(DeployFiles.only(objects, "PodDisruptionBudget"));

        assertThat(DeployFiles.kubernetesProblems(objects, "/health", "/ready"))
                .containsExactlyInAnyOrder(
                        "HorizontalPodAutoscaler meshflow has apiVersion autoscaling/v1, expected autoscaling/v2",
                        "expected one PodDisruptionBudget, found 0");
    }

    @Test
    void secret_placeholderKey_isRefusedByTheServer_soAnUneditedSecretCannotStartIt() {
        JsonNode secret = DeployFiles.only(kubernetes(), "Secret");
        String keys = secret.at("/stringData/MESHFLOW_API_KEYS").asText();

        assertThat(keys).isNotBlank();
        assertThatThrownBy(() -> ApiKeys.parse(keys, "default"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("MESHFLOW_API_KEYS entry 1: an API key must be 8-256 characters");
        assertThat(secret.at("/stringData/MESHFLOW_LEDGER_URL").asText()).startsWith("jdbc:postgresql://");
    }

    // ---- the server's real port and routes
    // ---------------------------------------------------------------------------

    @Test
    void port_isTheServersDefault_inEveryFile() {
        Cli.Outcome help = Cli.run("serve", "--help");
        Matcher cliDefault = Pattern.compile("\\$MESHFLOW_PORT, else (\\d+)").matcher(help.out());
        assertThat(cliDefault.find()).as(help.out()).isTrue();
        String port = cliDefault.group(1);

        assertThat(runtimeStage().env()).containsEntry("MESHFLOW_PORT", port);
        assertThat(DeployFiles.last(runtimeStage(), "EXPOSE").orElseThrow().arguments())
                .isEqualTo(port);
        assertThat(DeployFiles.only(kubernetes(), "ConfigMap")
                        .at("/data/MESHFLOW_PORT")
                        .asText())
                .isEqualTo(port);
        JsonNode compose = DeployFiles.composeService(root, "meshflow");
        assertThat(compose.at("/environment/MESHFLOW_PORT").asText()).isEqualTo(port);
        assertThat(compose.path("ports").get(0).asText()).endsWith(":" + port);
    }

    @Test
    void probePaths_areTheServersPublicHealthRoutes_asTheReadmeDocumentsThem() {
        String readme = DeployFiles.read(root.resolve("README.md"));

        assertThat(readme)
                .contains("| `GET /health` |")
                .contains("| `GET /ready` | 200 `{ready: true}` when serving and the ledger answers, else 503");
        // the routes themselves are asked for by DeployServeIT on a running server
    }

    // ---- Dockerfile ------------------------------------------------------------------------------------------------

    @Test
    void dockerfile_multiStage_nonRoot_healthcheckOnTheExposedPort() {
        List<DeployFiles.Stage> stages = DeployFiles.stages(dockerfile());

        assertThat(DeployFiles.dockerfileProblems(dockerfile())).isEmpty();
        assertThat(stages).extracting(DeployFiles.Stage::name).containsExactly("build", "runtime");
        assertThat(stages.get(1).image()).isEqualTo("eclipse-temurin:21-jre");
        assertThat(DeployFiles.last(stages.get(1), "USER").orElseThrow().arguments())
                .isEqualTo("10001:10001");
        assertThat(DeployFiles.last(stages.get(1), "HEALTHCHECK").orElseThrow().arguments())
                .contains("http://127.0.0.1:${MESHFLOW_PORT}/health");
    }

    @Test
    void dockerfileProblems_rootUser_wrongHealthPath_otherPort_singleStage_areReported() {
        String broken = """
                # syntax=docker/dockerfile:1
                FROM eclipse-temurin:21-jdk AS build
                RUN ./mvnw -B package
                FROM eclipse-temurin:21-jdk
                COPY --from=build /src/app.jar /app.jar
                ENV MESHFLOW_PORT=8080
                USER root
                EXPOSE 9090
                HEALTHCHECK CMD curl -f http://127.0.0.1:${MESHFLOW_PORT}/metrics || exit 1
                """;

        assertThat(DeployFiles.dockerfileProblems(broken))
                .containsExactly(
                        "the runtime stage should run on a JRE 21 image (such as eclipse-temurin:21-jre), not"
                                + " 'eclipse-temurin:21-jdk'",
                        "USER root (line 7) is not a numeric uid; Kubernetes' runAsNonRoot cannot verify a user name",
                        "the HEALTHCHECK asks /metrics, not /health",
                        "the HEALTHCHECK asks port ${MESHFLOW_PORT} (= 8080), which is not the EXPOSEd port [9090]");
        assertThat(DeployFiles.dockerfileProblems("FROM eclipse-temurin:21-jre\nUSER 0\n"))
                .containsExactly("expected a multi-stage build (a build stage and a runtime stage), found 1 stage(s)");
        String noWrapperRootNoHealthcheck = """
                FROM eclipse-temurin:21-jdk AS build
                RUN mvn package
                FROM eclipse-temurin:21-jre
                COPY --from=build /a /a
                USER 0:0
                EXPOSE 8080
                """;
        assertThat(DeployFiles.dockerfileProblems(noWrapperRootNoHealthcheck))
                .containsExactly(
                        "no build stage runs the Maven wrapper (./mvnw)",
                        "USER 0:0 (line 5) is root",
                        "the runtime stage has no HEALTHCHECK");
    }

    @Test
    void instructions_joinContinuations_skipComments_andParseEnv() {
        String text = """
                # syntax=docker/dockerfile:1
                FROM x AS a
                ENV A=1 \\
                    # a comment inside the continuation
                    B="two words" \\
                    C=3
                ENV LEGACY some value
                """;

        List<DeployFiles.Stage> stages = DeployFiles.stages(text);

        assertThat(stages).hasSize(1);
        assertThat(stages.get(0).instructions())
                .extracting(DeployFiles.Instruction::line)
                .containsExactly(3, 7);
        assertThat(stages.get(0).env())
                .containsExactly(
                        Map.entry("A", "1"),
                        Map.entry("B", "two words"),
                        Map.entry("C", "3"),
                        Map.entry("LEGACY", "some value"));
    }

    @Test
    void entrypoint_runsTheInstalledScript_whoseClassPathTheImageCopies() {
        DeployFiles.Stage runtime = runtimeStage();
        List<String> entrypoint =
                DeployFiles.execForm(DeployFiles.last(runtime, "ENTRYPOINT").orElseThrow());
        List<List<String>> copies = runtime.all("COPY").stream()
                .map(c -> DeployFiles.words(c.arguments()))
                .toList();
        String script = DeployFiles.read(root.resolve("deploy/meshflow.sh"));

        assertThat(entrypoint).containsExactly("/usr/local/bin/meshflow");
        assertThat(copies).anySatisfy(c -> assertThat(c).endsWith("deploy/meshflow.sh", "/usr/local/bin/meshflow"));
        assertThat(copies)
                .anySatisfy(c -> assertThat(c)
                        .containsExactly(
                                "--from=build",
                                "/src/meshflow-cli/target/meshflow-cli.jar",
                                "/opt/meshflow/meshflow-cli.jar"))
                .anySatisfy(c -> assertThat(c)
                        .containsExactly("--from=build", "/src/meshflow-cli/target/lib/", "/opt/meshflow/lib/"));
        assertThat(script)
                .startsWith("#!/bin/sh\n")
                .contains("exec java ${JAVA_OPTS:-}")
                .contains("-cp \"/opt/meshflow/meshflow-cli.jar:/opt/meshflow/lib/*\" io.meshflow.cli.Main \"$@\"");
        assertThat(Files.isExecutable(root.resolve("deploy/meshflow.sh"))).isTrue();
    }

    @Test
    void command_servesTheCopiedWorkflows_onAllInterfaces_sameInTheDockerfileAndTheDeployment() {
        List<String> cmd =
                DeployFiles.execForm(DeployFiles.last(runtimeStage(), "CMD").orElseThrow());
        JsonNode args = DeployFiles.only(kubernetes(), "Deployment").at("/spec/template/spec/containers/0/args");
        List<String> deploymentArgs = new ArrayList<>();
        args.forEach(a -> deploymentArgs.add(a.asText()));

        assertThat(cmd).first().isEqualTo("serve");
        assertThat(DeployFiles.option(cmd, "--host")).isEqualTo("0.0.0.0");
        assertThat(DeployFiles.option(cmd, "--workflows")).isEqualTo("/opt/meshflow/workflows");
        assertThat(deploymentArgs).isEqualTo(cmd);
        assertThat(DeployServeIT.copiedWorkflowFiles(root, runtimeStage(), "/opt/meshflow/workflows"))
                .extracting(f -> f.getFileName().toString())
                .containsExactly(
                        "approvals.yaml",
                        "contract-review.yaml",
                        "rag.yaml",
                        "reflect.yaml",
                        "tools.yaml",
                        "triage.yaml");
    }

    // ---- .dockerignore ---------------------------------------------------------------------------------------------

    @Test
    void dockerignore_keepsWhatTheBuildNeeds_andLeavesOutBuildOutputAndLocalState() {
        List<String> patterns =
                DeployFiles.read(root.resolve(".dockerignore")).lines().toList();
        String pom = DeployFiles.read(root.resolve("pom.xml"));
        String modules = pom.substring(pom.indexOf("<modules>"), pom.indexOf("</modules>"));
        List<String> needed = new ArrayList<>(List.of(
                "mvnw", "pom.xml", ".mvn/jvm.config", ".mvn/wrapper/maven-wrapper.properties", "deploy/meshflow.sh"));
        Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(modules);
        while (module.find()) {
            needed.add(module.group(1) + "/pom.xml");
            needed.add(module.group(1) + "/src/main/java");
        }
        for (DeployFiles.Stage stage : DeployFiles.stages(dockerfile())) {
            for (DeployFiles.Instruction copy : stage.all("COPY")) {
                List<String> words = DeployFiles.words(copy.arguments());
                if (words.stream().noneMatch(w -> w.startsWith("--from="))) {
                    words.stream()
                            .filter(w -> !w.startsWith("--"))
                            .limit(words.stream()
                                            .filter(w -> !w.startsWith("--"))
                                            .count()
                                    - 1)
                            .filter(w -> !w.equals("."))
                            .forEach(w -> needed.add(w.replaceAll("/$", "")));
                }
            }
        }

        assertThat(needed).contains("meshflow-cli/pom.xml", "examples/java/pom.xml", "examples/reflect.yaml");
        for (String path : needed) {
            assertThat(Files.exists(root.resolve(path))).as(path + " exists").isTrue();
            assertThat(DeployFiles.dockerIgnored(patterns, path))
                    .as(path + " is in the build context")
                    .isFalse();
        }
        assertThat(List.of(
                        "target/x",
                        "meshflow-cli/target/meshflow-cli.jar",
                        ".git/HEAD",
                        ".meshflow/ledger.db",
                        "meshflow-cli/.meshflow/api-key",
                        "tools/pglite/node_modules/x.js",
                        "deploy/k8s/secret.yaml"))
                .allSatisfy(p -> assertThat(DeployFiles.dockerIgnored(patterns, p))
                        .as(p + " is left out")
                        .isTrue());
    }

    @Test
    void dockerIgnored_lastMatchWins_andNegationReincludes() {
        List<String> patterns = List.of("# comment", "docs", "**/target", "build/*", "!build/keep.txt");

        assertThat(DeployFiles.dockerIgnored(patterns, "docs/a/b.md")).isTrue();
        assertThat(DeployFiles.dockerIgnored(patterns, "target")).isTrue();
        assertThat(DeployFiles.dockerIgnored(patterns, "a/b/target/c.class")).isTrue();
        assertThat(DeployFiles.dockerIgnored(patterns, "build/drop.txt")).isTrue();
        assertThat(DeployFiles.dockerIgnored(patterns, "build/keep.txt")).isFalse();
        assertThat(DeployFiles.dockerIgnored(patterns, "documents/a.md")).isFalse();
        assertThat(DeployFiles.dockerIgnored(patterns, "src/targets.txt")).isFalse();
    }

    // ---- environment variables
    // -----------------------------------------------------------------------------------------

    @Test
    void everyVariableOfTheDeployFiles_isReadByTheCode_andDescribedInTheReadme() {
        Map<String, Set<String>> named = DeployFiles.deployVariables(root);
        Set<String> known = knownVariables();
        Set<String> documented = DeployFiles.configurationTable(DeployFiles.read(root.resolve("README.md")));

        assertThat(named)
                .containsKeys(
                        "deploy/Dockerfile",
                        "deploy/docker-compose.yml",
                        "deploy/k8s/configmap.yaml",
                        "deploy/k8s/secret.yaml",
                        "deploy/k8s/deployment.yaml");
        assertThat(named.get("deploy/Dockerfile")).contains("MESHFLOW_PORT", "MESHFLOW_LEDGER_URL", "JAVA_OPTS");
        assertThat(named.get("deploy/docker-compose.yml"))
                .contains("MESHFLOW_LEDGER_URL", "MESHFLOW_API_KEYS", "MESHFLOW_OTLP_ENDPOINT");
        assertThat(named.get("deploy/k8s/secret.yaml")).containsExactly("MESHFLOW_API_KEYS", "MESHFLOW_LEDGER_URL");
        assertThat(DeployFiles.unknownVariables(named, known)).isEmpty();
        assertThat(DeployFiles.undocumentedVariables(named, documented)).isEmpty();
    }

    /** The variables the server and the CLI read (from their sources) and those the image's entrypoint uses. */
    private Set<String> knownVariables() {
        Set<String> known = new TreeSet<>(DeployFiles.variablesReadBySources(root));
        known.addAll(DeployFiles.shellVariables(DeployFiles.read(root.resolve("deploy/meshflow.sh"))));
        return known;
    }

    @Test
    void variablesReadBySources_findsTheServersAndTheProvidersVariables() {
        Set<String> known = DeployFiles.variablesReadBySources(root);

        assertThat(known)
                .contains(
                        "MESHFLOW_PORT",
                        "MESHFLOW_LEDGER_URL",
                        "MESHFLOW_API_KEYS",
                        "MESHFLOW_API_KEY_FILE",
                        "MESHFLOW_OTLP_ENDPOINT",
                        "MESHFLOW_WORKSPACE_DIR",
                        "ANTHROPIC_API_KEY",
                        "OPENAI_API_KEY",
                        "AWS_REGION")
                .doesNotContain("MESHFLOW_BENCH_POSTGRES_URL") // read by bench/, which the image does not ship
                .allMatch(name -> name.matches("[A-Z][A-Z0-9_]+"));
        assertThat(DeployFiles.shellVariables(DeployFiles.read(root.resolve("deploy/meshflow.sh"))))
                .containsExactly("JAVA_OPTS");
    }

    @Test
    void unknownVariables_aVariableNoCodeReads_isReportedWithItsFile() {
        Map<String, Set<String>> named = Map.of(
                "deploy/k8s/configmap.yaml",
                new TreeSet<>(Set.of("MESHFLOW_PORT", "MESHFLOW_PROT")),
                "deploy/Dockerfile",
                Set.of("JAVA_OPTS"));

        assertThat(DeployFiles.unknownVariables(named, knownVariables()))
                .containsExactly(
                        "deploy/k8s/configmap.yaml sets MESHFLOW_PROT, which neither the server nor the CLI reads");
        assertThat(DeployFiles.undocumentedVariables(named, Set.of("MESHFLOW_PORT", "MESHFLOW_PROT")))
                .containsExactly(
                        "deploy/Dockerfile sets JAVA_OPTS, which README.md's Configuration table does not describe");
    }

    @Test
    void javaStringLiterals_skipComments_readTextBlocks_andCharacterLiterals() {
        String source = """
                // "MESHFLOW_IN_A_LINE_COMMENT"
                /* "MESHFLOW_IN_A_BLOCK_COMMENT" */
                class X {
                    String url = "http://example.com/a"; // the // inside the string is not a comment
                    char quote = '"';
                    String read = env("MESHFLOW_READ");
                    String escaped = "say \\"hi\\"";
                    String block = \"""
                        MESHFLOW_IN_A_TEXT_BLOCK
                        \""";
                }
                """;

        assertThat(DeployFiles.javaStringLiterals(source))
                .containsExactly(
                        "http://example.com/a",
                        "MESHFLOW_READ",
                        "say \\\"hi\\\"",
                        "\n        MESHFLOW_IN_A_TEXT_BLOCK\n        ");
    }

    @Test
    void configurationTable_readsTheFirstCellsOfTheConfigurationSectionOnly() {
        String readme = """
                ## Server
                | `MESHFLOW_NOT_HERE` | x |
                ## Configuration

                | variable | used by | meaning |
                |---|---|---|
                | `MESHFLOW_PORT` | `meshflow serve` | the port; see `MESHFLOW_IN_THE_MEANING` |
                | `GOOGLE_API_KEY` or `GEMINI_API_KEY` | provider | keys |
                ## Examples
                | `MESHFLOW_AFTER` | x |
                """;

        assertThat(DeployFiles.configurationTable(readme))
                .containsExactly("GEMINI_API_KEY", "GOOGLE_API_KEY", "MESHFLOW_PORT");
        assertThatThrownBy(() -> DeployFiles.configurationTable("# no such section\n"))
                .hasMessage("README.md has no '## Configuration' section");
    }

    // ---- compose and Makefile --------------------------------------------------------------------------------------

    @Test
    void compose_meshflowUsesPostgres_requiresApiKeys_andJaegerIsAnOptionalProfile() {
        JsonNode meshflow = DeployFiles.composeService(root, "meshflow");
        JsonNode postgres = DeployFiles.composeService(root, "postgres");
        JsonNode jaeger = DeployFiles.composeService(root, "jaeger");

        assertThat(meshflow.at("/environment/MESHFLOW_LEDGER_URL").asText())
                .isEqualTo("jdbc:postgresql://postgres:5432/meshflow?user="
                        + postgres.at("/environment/POSTGRES_USER").asText() + "&password="
                        + postgres.at("/environment/POSTGRES_PASSWORD").asText());
        assertThat(postgres.at("/environment/POSTGRES_DB").asText()).isEqualTo("meshflow");
        assertThat(meshflow.at("/environment/MESHFLOW_API_KEYS").asText()).startsWith("${MESHFLOW_API_KEYS:?");
        assertThat(meshflow.at("/depends_on/postgres/condition").asText()).isEqualTo("service_healthy");
        assertThat(meshflow.at("/build/dockerfile").asText()).isEqualTo("deploy/Dockerfile");
        assertThat(meshflow.path("profiles").isMissingNode()).isTrue();
        assertThat(postgres.path("profiles").isMissingNode()).isTrue();
        assertThat(jaeger.path("profiles").get(0).asText()).isEqualTo("tracing");
        assertThat(jaeger.path("command").toString()).contains("receivers.otlp.protocols.http.endpoint=0.0.0.0:4318");
        JsonNode volumes = DeployFiles.yamlDocuments(DeployFiles.read(root.resolve("deploy/docker-compose.yml")))
                .get(0)
                .path("volumes");
        assertThat(volumes.has("postgres-data")).isTrue();
        assertThat(volumes.has("meshflow-data")).isTrue();
    }

    @Test
    void makefile_hasTheDeployTargets_andTestsWithTheFullBuild() {
        String makefile = DeployFiles.read(root.resolve("Makefile"));
        Matcher definition = Pattern.compile("(?m)^MVNW = (.+)$").matcher(makefile);
        assertThat(definition.find()).isTrue();
        String mvnw = definition.group(1);
        Map<String, String> recipes = new LinkedHashMap<>();
        String target = null;
        for (String line : makefile.split("\n", -1)) {
            Matcher rule = Pattern.compile("^([a-z][a-z0-9-]*):(?!=).*").matcher(line);
            if (rule.matches()) {
                target = rule.group(1);
                recipes.put(target, "");
            } else if (target != null && line.startsWith("\t")) {
                // $(MVNW) expanded, so that the test sees the command make runs
                recipes.merge(target, line.strip().replace("$(MVNW)", mvnw) + "\n", String::concat);
            } else if (!line.isBlank()) {
                target = null;
            }
        }

        assertThat(recipes).containsKeys("build", "test", "docker-build", "docker-run", "k8s-apply");
        assertThat(mvnw)
                .startsWith(". .ci/find-jdk.sh && meshflow_find_jdk && ")
                .endsWith(" ./mvnw");
        assertThat(recipes.get("test")).endsWith(" ./mvnw -B verify\n");
        assertThat(recipes.get("build")).endsWith(" ./mvnw -B -DskipTests -pl meshflow-cli -am package\n");
        assertThat(recipes.get("docker-build")).contains("docker build -f deploy/Dockerfile");
        assertThat(recipes.get("docker-run")).contains("MESHFLOW_API_KEYS").contains("docker run");
        assertThat(recipes.get("k8s-apply")).contains("kubectl apply").contains("-f deploy/k8s/");
    }
}
