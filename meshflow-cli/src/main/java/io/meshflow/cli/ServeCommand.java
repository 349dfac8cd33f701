package io.meshflow.cli;

import io.meshflow.ValidationException;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.ledger.jdbc.RetentionJob;
import io.meshflow.ledger.jdbc.RetentionRule;
import io.meshflow.server.ApiKeys;
import io.meshflow.server.MeshFlowServer;
import io.meshflow.server.Role;
import io.meshflow.server.ServedWorkflow;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code meshflow serve}: the MeshFlow HTTP API ({@link MeshFlowServer}) over the ledger, serving workflow files by
 * name and the offline assistant for requests that give only a task. Runs until interrupted (Ctrl-C).
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Serves the HTTP API: runs, NDJSON/SSE token streams, traces, verify, /metrics, /health, /openapi.json,"
                    + " and the web trace viewer at /ui.",
            "API keys come from --api-key, MESHFLOW_API_KEYS (comma-separated) and the key file, each written"
                    + " key[:tenant[:role]] (role user or admin). With no key at all (and a loopback address) one admin"
                    + " key is generated, stored in the key file (mode 0600) and printed once.",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  meshflow serve",
            "  meshflow serve --port 9000 --workflows examples/",
            "  MESHFLOW_API_KEYS=k3y-for-acme-1234:acme meshflow serve --host 0.0.0.0 --tls-cert cert.pem --tls-key key.pem"
        })
final class ServeCommand implements Callable<Integer> {
    /** The variable naming the key file. */
    static final String KEY_FILE_VARIABLE = "MESHFLOW_API_KEY_FILE";

    /** Where a generated key is stored when no key file is named. */
    static final Path DEFAULT_KEY_FILE = Path.of(".meshflow", "api-key");

    /** Servers started in this JVM, so that in-process tests can stop them. */
    static final Set<MeshFlowServer> RUNNING = ConcurrentHashMap.newKeySet();

    private final CliEnvironment environment;

    @Option(names = "--host", paramLabel = "ADDRESS", description = "The address to bind (default: 127.0.0.1).")
    private String host = "127.0.0.1";

    @Option(
            names = "--port",
            paramLabel = "PORT",
            description = "The port (default: $MESHFLOW_PORT, else 8080; 0 picks a free one).")
    private @Nullable Integer port;

    @Option(
            names = "--api-key",
            paramLabel = "KEY[:TENANT[:ROLE]]",
            description = "An API key the server accepts (repeatable); without a tenant it belongs to the default"
                    + " tenant ($MESHFLOW_DEFAULT_TENANT, else 'default'), without a role it is a user key.")
    private List<String> apiKeys = new ArrayList<>();

    @Option(
            names = "--key-file",
            paramLabel = "FILE",
            description = "A file of API keys, one key[:tenant[:role]] per line, read when it exists; a generated key"
                    + " is stored there (default: $" + KEY_FILE_VARIABLE + ", else .meshflow/api-key).")
    private @Nullable Path keyFile;

    @Option(names = "--tls-cert", paramLabel = "CERT.pem", description = "Serve HTTPS with this PEM certificate chain.")
    private @Nullable Path tlsCert;

    @Option(
            names = "--tls-key",
            paramLabel = "KEY.pem",
            description = "The certificate's private key, unencrypted PKCS#8 PEM (BEGIN PRIVATE KEY).")
    private @Nullable Path tlsKey;

    @Option(
            names = "--workflow",
            paramLabel = "FILE.yaml",
            description = "A workflow file to serve by its name (repeatable).")
    private List<Path> workflowFiles = new ArrayList<>();

    @Option(
            names = "--workflows",
            paramLabel = "DIR",
            description = "Serve every *.yaml / *.yml workflow file in this directory.")
    private @Nullable Path workflowDir;

    @Option(
            names = "--provider",
            paramLabel = "NAME",
            description = "The provider of the default assistant (requests with a task only); default: the offline"
                    + " scripted model.")
    private @Nullable String provider;

    @Option(names = "--model", paramLabel = "MODEL", description = "The default assistant's model.")
    private @Nullable String model;

    @Mixin
    private LedgerOption ledger = new LedgerOption();

    @ParentCommand
    private @Nullable MeshflowCommand parent;

    ServeCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = environment.out();
        String defaultTenant = variableOr("MESHFLOW_DEFAULT_TENANT", "default");
        int chosenPort = port != null ? port : Integer.parseInt(variableOr("MESHFLOW_PORT", "8080"));
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new ValidationException("--tls-cert and --tls-key go together");
        }
        ApiKeys keys = keys(defaultTenant, out);

        List<WorkflowFiles.Loaded> loaded = new ArrayList<>();
        OtlpTracing tracing = null;
        try {
            for (Path file : workflowPaths()) {
                loaded.add(WorkflowFiles.load(file));
            }
            ProviderChoice choice = provider == null ? null : ProviderChoice.of(provider, java.util.Map.of(), model);
            List<RetentionRule> retention = retentionRules();
            JdbcLedger opened = JdbcLedger.open(ledger.url(environment));
            MeshFlowServer.Builder builder = MeshFlowServer.builder()
                    .ledger(opened)
                    .closeLedgerOnStop(true)
                    .host(host)
                    .port(chosenPort)
                    .apiKeys(keys)
                    .defaultTenant(defaultTenant)
                    .version(VersionProvider.version())
                    .defaultWorkflow(new ServedWorkflow(
                            OfflineAssistant.workflow(model),
                            choice == null || choice.name().equals("scripted")
                                    ? OfflineAssistant.provider()
                                    : choice.create(),
                            null));
            for (WorkflowFiles.Loaded file : loaded) {
                builder.workflow(new ServedWorkflow(file.workflow(), file.provider(), file.task()));
            }
            String maxBody = environment.variable("MESHFLOW_MAX_BODY_BYTES");
            if (maxBody != null) {
                builder.maxBodyBytes(parseLong("MESHFLOW_MAX_BODY_BYTES", maxBody));
            }
            String maxRuns = environment.variable("MESHFLOW_MAX_RUNS_PER_TENANT");
            if (maxRuns != null) {
                builder.maxRunsPerTenant((int) parseLong("MESHFLOW_MAX_RUNS_PER_TENANT", maxRuns));
            }
            String publicUrl = environment.variable("MESHFLOW_PUBLIC_URL");
            if (publicUrl != null) {
                try {
                    builder.publicUrl(java.net.URI.create(publicUrl));
                } catch (IllegalArgumentException e) {
                    throw new ValidationException("MESHFLOW_PUBLIC_URL is not a URL: " + e.getMessage());
                }
            }
            String watch = environment.variable("MESHFLOW_HITL_WATCH_SECONDS");
            if (watch != null) {
                builder.hitlWatchInterval(Duration.ofSeconds(parseLong("MESHFLOW_HITL_WATCH_SECONDS", watch)));
            }
            String workers = environment.variable("MESHFLOW_WORKERS");
            if (workers != null) {
                builder.workers((int) parseLong("MESHFLOW_WORKERS", workers));
            }
            String lease = environment.variable("MESHFLOW_LEASE_SECONDS");
            if (lease != null) {
                builder.lease(Duration.ofSeconds(parseLong("MESHFLOW_LEASE_SECONDS", lease)));
            }
            String replica = environment.variable("MESHFLOW_REPLICA_ID");
            if (replica != null && !replica.isBlank()) {
                builder.replicaId(replica.trim());
            }
            String cors = environment.variable("MESHFLOW_CORS_ORIGINS");
            if (cors != null) {
                List<String> origins = new ArrayList<>();
                for (String origin : cors.split(",", -1)) {
                    if (!origin.isBlank()) {
                        origins.add(origin.trim());
                    }
                }
                builder.corsOrigins(origins);
            }
            Path cert = tlsCert;
            Path key = tlsKey;
            if (cert != null && key != null) {
                builder.tls(cert, key);
            }
            tracing = OtlpTracing.installIfConfigured(environment, parent != null && parent.verbose())
                    .orElse(null);
            MeshFlowServer server = builder.build().start();
            RUNNING.add(server);
            Thread hook = new Thread(server::close, "meshflow-serve-shutdown");
            if (environment.cancelOnShutdown()) {
                Runtime.getRuntime().addShutdownHook(hook);
            }
            out.println(
                    "meshflow: serving on " + server.url() + " (ledger " + LedgerOption.display(ledger.url(environment))
                            + ", workflows " + workflowNames(loaded) + ", " + keys.size() + " API key"
                            + (keys.size() == 1 ? "" : "s") + ")");
            out.println("meshflow: web trace viewer at " + server.url() + "/ui");
            out.flush();
            RetentionJob retentionJob =
                    retention.isEmpty() ? null : RetentionJob.start(opened, retention, RETENTION_PERIOD);
            try {
                server.awaitStop();
            } finally {
                RUNNING.remove(server);
                if (retentionJob != null) {
                    retentionJob.close();
                }
            }
            return ExitCode.COMPLETED.code();
        } finally {
            loaded.forEach(WorkflowFiles.Loaded::close);
            if (tracing != null) {
                tracing.close();
            }
        }
    }

    /** How often the rules of {@code MESHFLOW_RETENTION} are applied while serving (and once at start). */
    static final Duration RETENTION_PERIOD = Duration.ofHours(1);

    /** The retention rules of {@code MESHFLOW_RETENTION}: comma-separated {@code tenant:days:delete|anonymize}. */
    private List<RetentionRule> retentionRules() {
        String value = environment.variable("MESHFLOW_RETENTION");
        List<RetentionRule> rules = new ArrayList<>();
        if (value != null) {
            for (String rule : value.split(",", -1)) {
                if (!rule.isBlank()) {
                    rules.add(RetentionRule.parse(rule));
                }
            }
        }
        return rules;
    }

    /** Stops every server this JVM started (tests). */
    static void stopRunning() {
        for (MeshFlowServer server : List.copyOf(RUNNING)) {
            server.close();
        }
    }

    private ApiKeys keys(String defaultTenant, PrintStream out) throws IOException {
        ApiKeys keys = ApiKeys.none();
        for (String entry : apiKeys) {
            keys = keys.with(ApiKeys.parse(entry, defaultTenant));
        }
        String variable = environment.variable("MESHFLOW_API_KEYS");
        if (variable != null) {
            keys = keys.with(ApiKeys.parse(variable, defaultTenant));
        }
        Path named = keyFile != null ? keyFile : pathVariable(KEY_FILE_VARIABLE);
        Path file = named != null ? named : DEFAULT_KEY_FILE;
        if (Files.exists(file)) {
            keys = keys.with(ApiKeys.readFile(file, defaultTenant));
        }
        if (!keys.isEmpty()) {
            return keys;
        }
        if (!isLoopback(host)) {
            throw new ValidationException("refusing to serve on " + host + " without an API key: give --api-key,"
                    + " MESHFLOW_API_KEYS or a key file, or bind 127.0.0.1");
        }
        String generated = generateKey();
        writeKeyFile(file, generated + ":" + defaultTenant + ":admin");
        out.println("meshflow: generated an admin API key for tenant '" + defaultTenant + "', stored in " + file
                + " (mode 0600); it is shown only this once:");
        out.println(generated);
        return keys.with(generated, defaultTenant, Role.ADMIN);
    }

    static String generateKey() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return "mf_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static void writeKeyFile(Path file, String entry) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        String content = "# MeshFlow API keys: key[:tenant[:role]] per line\n" + entry + "\n";
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        } catch (FileAlreadyExistsException e) {
            throw new ValidationException("key file " + file + " appeared while the server was starting; start again");
        }
        Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }

    static boolean isLoopback(String host) {
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            throw new ValidationException("unknown host '" + host + "' (--host)");
        }
    }

    private List<Path> workflowPaths() throws IOException {
        List<Path> paths = new ArrayList<>(workflowFiles);
        Path dir = workflowDir;
        if (dir != null) {
            if (!Files.isDirectory(dir)) {
                throw new ValidationException("--workflows " + dir + " is not a directory");
            }
            List<Path> found = new ArrayList<>();
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.{yaml,yml}")) {
                stream.forEach(found::add);
            }
            found.sort(null);
            paths.addAll(found);
        }
        return paths;
    }

    private static List<String> workflowNames(List<WorkflowFiles.Loaded> loaded) {
        List<String> names = new ArrayList<>();
        names.add(OfflineAssistant.AGENT_ID + " (default)");
        loaded.forEach(l -> names.add(l.workflow().name()));
        return names;
    }

    private String variableOr(String name, String fallback) {
        String value = environment.variable(name);
        return value == null ? fallback : value;
    }

    private @Nullable Path pathVariable(String name) {
        String value = environment.variable(name);
        return value == null ? null : Path.of(value);
    }

    private static long parseLong(String name, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new ValidationException(name + " must be a whole number, got '" + value + "'");
        }
    }
}
