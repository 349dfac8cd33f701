package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.json.MeshJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts {@code meshflow serve} in this JVM the way the container does: the Deployment's arguments (the same as the
 * Dockerfile's CMD), the environment of the ConfigMap, the Secret and the Deployment, and a workflows directory
 * holding what the Dockerfile copies into the image. Only what cannot be the same outside a cluster is replaced: the
 * port (0, a free one), the ledger (a SQLite file instead of the Secret's PostgreSQL), the API key (the Secret's is a
 * placeholder the server refuses) and the container paths.
 */
class DeployServeIT {
    private static final String CONTAINER_WORKFLOWS = "/opt/meshflow/workflows";
    private static final String KEY = "deploy-it-admin-key-0123456789";
    private static final Pattern SERVING = Pattern.compile("serving on (http://[^ ]+) ");

    private final Path root = DeployFiles.repositoryRoot();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        ServeCommand.stopRunning();
    }

    /**
     * The workflow files ({@code *.yaml}) the runtime stage copies into a container directory itself (not into
     * its subdirectories), as the repository paths they come from, by file name.
     */
    static List<Path> copiedWorkflowFiles(Path root, DeployFiles.Stage stage, String containerDir) {
        List<Path> files = new ArrayList<>();
        for (Map.Entry<Path, Path> copy : copies(root, stage, containerDir).entrySet()) {
            if (copy.getValue().getParent() == null && copy.getKey().toString().endsWith(".yaml")) {
                files.add(copy.getKey());
            }
        }
        files.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return files;
    }

    /**
     * What COPY instructions from the build context put under {@code containerDir}: each source file with its path
     * relative to that directory. A source file lands in the destination directory (ending with '/') by its name; a
     * source directory's contents land in the destination.
     */
    static Map<Path, Path> copies(Path root, DeployFiles.Stage stage, String containerDir) {
        Map<Path, Path> out = new LinkedHashMap<>();
        for (DeployFiles.Instruction copy : stage.all("COPY")) {
            List<String> words = DeployFiles.words(copy.arguments());
            if (words.stream().anyMatch(w -> w.startsWith("--from="))) {
                continue;
            }
            List<String> paths = words.stream().filter(w -> !w.startsWith("--")).toList();
            String destination = paths.get(paths.size() - 1);
            if (!destination.startsWith(containerDir + "/") && !destination.equals(containerDir)) {
                continue;
            }
            Path target = Path.of(containerDir).relativize(Path.of(destination));
            for (String source : paths.subList(0, paths.size() - 1)) {
                Path from = root.resolve(source);
                if (Files.isDirectory(from)) {
                    try (Stream<Path> walk = Files.walk(from)) {
                        walk.filter(Files::isRegularFile).forEach(f -> out.put(f, target.resolve(from.relativize(f))));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                } else {
                    out.put(from, target.resolve(from.getFileName()).normalize());
                }
            }
        }
        return out;
    }

    private Map<String, String> deploymentEnvironment() {
        List<JsonNode> objects = DeployFiles.kubernetesObjects(root.resolve("deploy/k8s"));
        Map<String, String> env = new HashMap<>();
        DeployFiles.only(objects, "ConfigMap")
                .path("data")
                .properties()
                .forEach(e -> env.put(e.getKey(), e.getValue().asText()));
        DeployFiles.only(objects, "Secret")
                .path("stringData")
                .properties()
                .forEach(e -> env.put(e.getKey(), e.getValue().asText()));
        DeployFiles.only(objects, "Deployment")
                .at("/spec/template/spec/containers/0/env")
                .forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        env.put("MESHFLOW_API_KEY_FILE", dir.resolve("no-key-file").toString());
        return env;
    }

    private List<String> deploymentArgs(Path workflows) {
        List<String> args = new ArrayList<>();
        DeployFiles.only(DeployFiles.kubernetesObjects(root.resolve("deploy/k8s")), "Deployment")
                .at("/spec/template/spec/containers/0/args")
                .forEach(a -> args.add(a.asText().equals(CONTAINER_WORKFLOWS) ? workflows.toString() : a.asText()));
        return args;
    }

    private Path workflowsAsInTheImage() throws IOException {
        List<DeployFiles.Stage> stages = DeployFiles.stages(DeployFiles.read(root.resolve("deploy/Dockerfile")));
        Path workflows = dir.resolve("workflows");
        for (Map.Entry<Path, Path> copy :
                copies(root, stages.get(stages.size() - 1), CONTAINER_WORKFLOWS).entrySet()) {
            Path to = workflows.resolve(copy.getValue().toString());
            Files.createDirectories(to.getParent());
            Files.copy(copy.getKey(), to);
        }
        return workflows;
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void serve_likeTheContainer_answersEveryProbe_andRunsTheImagesWorkflows() throws Exception {
        Path workflows = workflowsAsInTheImage();
        Map<String, String> env = deploymentEnvironment();
        env.put("MESHFLOW_PORT", "0");
        env.put("MESHFLOW_LEDGER_URL", "jdbc:sqlite:" + dir.resolve("ledger.db"));
        env.put("MESHFLOW_API_KEYS", KEY + ":default:admin");
        List<String> args = deploymentArgs(workflows);
        assertThat(args).contains("0.0.0.0");

        Cli.Running serving = Cli.start(env, SERVING, args.toArray(String[]::new));
        Matcher port = Pattern.compile(":(\\d+)$").matcher(serving.url());
        assertThat(port.find()).as(serving.url()).isTrue();
        String base = "http://127.0.0.1:" + port.group(1);

        // every probe of the Deployment and the Dockerfile's HEALTHCHECK path, without a key, as the kubelet asks
        JsonNode container = DeployFiles.only(DeployFiles.kubernetesObjects(root.resolve("deploy/k8s")), "Deployment")
                .at("/spec/template/spec/containers/0");
        TreeSet<String> paths = new TreeSet<>();
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            paths.add(container.at("/" + probe + "/httpGet/path").asText());
        }
        assertThat(paths).containsExactly("/health", "/ready");
        for (String path : paths) {
            HttpResponse<String> response = get(base + path);
            assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        }
        assertThat(MeshJson.parse(get(base + "/ready").body()).path("ready").asBoolean())
                .isTrue();
        JsonNode health = MeshJson.parse(get(base + "/health").body());
        assertThat(health.path("status").asText()).isEqualTo("ok");
        List<String> served = new ArrayList<>();
        health.path("workflows").forEach(w -> served.add(w.asText()));
        assertThat(served)
                .containsExactlyInAnyOrder(
                        "assistant", "reflect", "contract-review", "claim-triage", "payment-release", "tools", "rag");

        // the API needs the key; with it, a served workflow runs to the end
        HttpRequest.Builder run = HttpRequest.newBuilder(URI.create(base + "/runs?wait=true"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"workflow\":\"reflect\"}"));
        assertThat(http.send(run.build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(401);
        HttpResponse<String> result =
                http.send(run.header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(result.statusCode()).as(result.body()).isEqualTo(200);
        assertThat(MeshJson.parse(result.body()).path("status").asText()).isEqualTo("COMPLETED");
    }

    @Test
    void serve_withTheSecretUnedited_refusesToStart_namingTheVariable() throws Exception {
        Path workflows = workflowsAsInTheImage();
        Map<String, String> env = deploymentEnvironment();
        env.put("MESHFLOW_PORT", "0");
        env.put("MESHFLOW_LEDGER_URL", "jdbc:sqlite:" + dir.resolve("ledger.db"));

        Cli.Outcome outcome = Cli.run(env, false, deploymentArgs(workflows).toArray(String[]::new));

        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.err())
                .contains("MESHFLOW_API_KEYS entry 1: an API key must be 8-256 characters")
                .doesNotContain("<replace");
        assertThat(outcome.out()).doesNotContain("serving on");
    }

    @Test
    void serve_onAllInterfacesWithoutAnyKey_refusesToStart() throws Exception {
        Path workflows = workflowsAsInTheImage();
        Map<String, String> env = deploymentEnvironment();
        env.remove("MESHFLOW_API_KEYS");
        env.put("MESHFLOW_PORT", "0");
        env.put("MESHFLOW_LEDGER_URL", "jdbc:sqlite:" + dir.resolve("ledger.db"));

        Cli.Outcome outcome = Cli.run(env, false, deploymentArgs(workflows).toArray(String[]::new));

        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.err()).contains("refusing to serve on 0.0.0.0 without an API key");
    }
}
