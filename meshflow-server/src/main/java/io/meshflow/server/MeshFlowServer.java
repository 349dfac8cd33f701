package io.meshflow.server;

import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.meshflow.Mesh;
import io.meshflow.ValidationException;
import io.meshflow.hitl.HitlNotifier;
import io.meshflow.hitl.HitlTimeoutWatcher;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.policy.Policy;
import io.meshflow.provider.LlmProvider;
import io.meshflow.workflow.WorkflowDefinition;
import io.meshflow.workflow.yaml.WorkflowLoader;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.jspecify.annotations.Nullable;

/**
 * The MeshFlow HTTP server: Javalin on Jetty 12 with virtual threads, over one {@link JdbcLedger}.
 *
 * <pre>{@code
 * try (MeshFlowServer server = MeshFlowServer.builder()
 *         .ledger(JdbcLedger.open("jdbc:sqlite:.meshflow/ledger.db"))
 *         .apiKeys(ApiKeys.parse(System.getenv("MESHFLOW_API_KEYS"), "default"))
 *         .workflow(new ServedWorkflow(workflow, provider, null))
 *         .build()
 *         .start()) {
 *     System.out.println("listening on " + server.url());
 *     server.awaitStop();
 * }
 * }</pre>
 *
 * <p>Every route but {@code /health}, {@code /ready} and {@code /openapi.json} needs an API key ({@code Authorization:
 * Bearer <key>} or {@code X-API-Key}); see the README's Server section and {@code /openapi.json} for the API.
 */
public final class MeshFlowServer implements AutoCloseable {
    /** The default request body limit: 1 MiB. */
    public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

    /** The default number of runs one tenant may have running at once. */
    public static final int DEFAULT_MAX_RUNS_PER_TENANT = 64;
    /** Runs one replica executes at once unless configured otherwise. */
    public static final int DEFAULT_WORKERS = 256;

    /** Connections the kernel may hold for the server before it accepts them. */
    static final int ACCEPT_QUEUE_SIZE = 4096;

    private final Builder config;
    private final Api api;
    private final Javalin app;
    private final boolean tls;
    private volatile boolean started;
    private @Nullable HitlTimeoutWatcher watcher;
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);

    private MeshFlowServer(Builder b) {
        this.config = b;
        JdbcLedger ledger = Objects.requireNonNull(b.ledger, "ledger");
        Map<String, Mesh> meshes = new LinkedHashMap<>();
        for (ServedWorkflow served : b.workflows.values()) {
            meshes.put(served.name(), meshFor(served.workflow(), served.provider()));
            b.metrics.describe(served.workflow(), served.provider());
        }
        this.api = new Api(this, ledger, b.workflows, meshes, b.defaultWorkflow);
        this.tls = b.tlsCertificate != null;
        this.app = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            cfg.http.maxRequestSize = b.maxBodyBytes;
            cfg.http.compressionStrategy = CompressionStrategy.NONE;
            cfg.http.defaultContentType = "application/json";
            cfg.startup.showJavalinBanner = false;
            cfg.jetty.host = b.host;
            cfg.jetty.port = b.port;
            cfg.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            Path cert = b.tlsCertificate;
            Path key = b.tlsKey;
            var ssl = cert != null && key != null ? PemTls.contextFactory(cert, key) : null;
            // one connector of our own, plain or TLS, so that its accept queue can be longer than the JDK's
            // default of 50: a burst of connects (thousands of SSE clients) must not be dropped by the kernel
            cfg.jetty.addConnector((Server server, HttpConfiguration http) -> {
                ServerConnector connector;
                if (ssl != null) {
                    HttpConfiguration https = new HttpConfiguration(http);
                    SecureRequestCustomizer secure = new SecureRequestCustomizer();
                    secure.setSniHostCheck(false);
                    https.addCustomizer(secure);
                    connector = new ServerConnector(
                            server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
                } else {
                    connector = new ServerConnector(server, new HttpConnectionFactory(http));
                }
                connector.setHost(b.host);
                connector.setPort(b.port);
                connector.setAcceptQueueSize(ACCEPT_QUEUE_SIZE);
                return (Connector) connector;
            });
            api.configure(cfg);
        });
    }

    /** Starts configuring a server. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the port and starts serving.
     *
     * @throws io.meshflow.MeshFlowException when the port cannot be bound
     */
    public MeshFlowServer start() {
        app.start();
        api.startWorkers();
        started = true;
        if (!config.hitlWatchInterval.isZero()) {
            JdbcLedger ledger = Objects.requireNonNull(config.ledger);
            watcher = new HitlTimeoutWatcher(
                            ledger,
                            config.clock,
                            api::humanInLoopOf,
                            HitlNotifier.builder(ledger)
                                    .clock(config.clock)
                                    .publicUrl(config.publicUrl)
                                    .build(),
                            api::serves,
                            api::resumeClaimed)
                    .start(config.hitlWatchInterval);
        }
        return this;
    }

    /** The bound port (the chosen one when the server was configured with port 0). */
    public int port() {
        for (Connector connector : app.jettyServer().server().getConnectors()) {
            if (connector instanceof NetworkConnector network && network.getLocalPort() > 0) {
                return network.getLocalPort();
            }
        }
        return app.port();
    }

    /** The base URL, such as {@code http://127.0.0.1:8080}. */
    public String url() {
        String host = config.host.contains(":") ? "[" + config.host + "]" : config.host;
        return (tls ? "https" : "http") + "://" + host + ":" + port();
    }

    /** The metrics collector the server's runs report to. */
    public RunMetrics metrics() {
        return config.metrics;
    }

    /** Blocks until the server is closed. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    boolean isStarted() {
        return started;
    }

    Builder config() {
        return config;
    }

    /**
     * Stops serving: the runs executing here are handed over (they go back to the run queue, still {@code RUNNING},
     * and another replica, or this server's next start, resumes each from its last checkpoint), then the server stops
     * and the ledger is closed if the server owns it.
     */
    @Override
    public synchronized void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        started = false;
        try {
            HitlTimeoutWatcher w = watcher;
            if (w != null) {
                w.close();
            }
            api.stopWorkers();
            app.stop();
            if (config.closeLedger) {
                Objects.requireNonNull(config.ledger).close();
            }
        } finally {
            stopped.countDown();
        }
    }

    Mesh meshFor(WorkflowDefinition workflow, LlmProvider provider) {
        return Mesh.builder()
                .tenantId(config.defaultTenant)
                .ledger(Objects.requireNonNull(config.ledger))
                .provider(provider)
                .policy(config.policy)
                .clock(config.clock)
                .publicUrl(config.publicUrl)
                .sink(config.metrics)
                .workflow(workflow)
                .build();
    }

    /** Configures a {@link MeshFlowServer}. */
    public static final class Builder {
        @Nullable
        JdbcLedger ledger;

        boolean closeLedger;
        ApiKeys apiKeys = ApiKeys.none();
        String host = "127.0.0.1";
        int port = 8080;
        final Map<String, ServedWorkflow> workflows = new LinkedHashMap<>();

        @Nullable
        ServedWorkflow defaultWorkflow;

        String defaultTenant = "default";
        Policy policy = Policy.defaults();
        Clock clock = Clock.systemUTC();
        long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        int maxRunsPerTenant = DEFAULT_MAX_RUNS_PER_TENANT;
        List<String> corsOrigins = new ArrayList<>();

        @Nullable
        URI publicUrl;

        Duration hitlWatchInterval = Duration.ofSeconds(5);
        String replicaId = defaultReplicaId();
        int workers = DEFAULT_WORKERS;
        Duration lease = Duration.ofSeconds(30);
        Duration queuePoll = Duration.ofMillis(500);
        Duration eventRetention = Duration.ofHours(1);

        @Nullable
        Path tlsCertificate;

        @Nullable
        Path tlsKey;

        RunMetrics metrics = new RunMetrics();
        String version = versionOfJar();
        WorkflowLoader inlineLoader = WorkflowLoader.builder().build();

        private Builder() {}

        /**
         * The address reviewers reach this server at, from which pause webhooks get their {@code approve_url} and
         * {@code reject_url} (default: none, and those are {@code null}).
         */
        public Builder publicUrl(@Nullable URI value) {
            this.publicUrl = value;
            return this;
        }

        /**
         * How often the server looks for pauses past their deadline and for decided runs to resume (default 5 s;
         * {@link Duration#ZERO} turns the watcher off).
         */
        public Builder hitlWatchInterval(Duration value) {
            if (value.isNegative()) {
                throw new IllegalArgumentException("the watch interval must not be negative, got " + value);
            }
            this.hitlWatchInterval = value;
            return this;
        }

        /** The ledger runs are recorded in (required). */
        public Builder ledger(JdbcLedger value) {
            this.ledger = value;
            return this;
        }

        /** Closes the ledger when the server is closed (default: the caller closes it). */
        public Builder closeLedgerOnStop(boolean value) {
            this.closeLedger = value;
            return this;
        }

        /** The keys the server accepts (default: none, so every authenticated route answers 401). */
        public Builder apiKeys(ApiKeys value) {
            this.apiKeys = value;
            return this;
        }

        /** The address to bind (default {@code 127.0.0.1}). */
        public Builder host(String value) {
            this.host = value;
            return this;
        }

        /** The port (default 8080; 0 picks a free one, see {@link MeshFlowServer#port()}). */
        public Builder port(int value) {
            if (value < 0 || value > 65535) {
                throw new ValidationException("port must be 0-65535, got " + value);
            }
            this.port = value;
            return this;
        }

        /**
         * A workflow requests can run by name.
         *
         * @throws ValidationException when two workflows share a name
         */
        public Builder workflow(ServedWorkflow value) {
            if (workflows.putIfAbsent(value.name(), value) != null) {
                throw new ValidationException("two served workflows are named '" + value.name() + "'");
            }
            return this;
        }

        /** The workflow run for requests that give only a task; it is also served by its name. */
        public Builder defaultWorkflow(ServedWorkflow value) {
            this.defaultWorkflow = value;
            workflows.putIfAbsent(value.name(), value);
            return this;
        }

        /** The tenant of keys that name none (default {@code default}). */
        public Builder defaultTenant(String value) {
            this.defaultTenant = value;
            return this;
        }

        /** The policy of runs whose workflow sets none (default {@link Policy#defaults()}). */
        public Builder policy(Policy value) {
            this.policy = value;
            return this;
        }

        /** The clock of run records (default UTC system clock). */
        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        /** The largest request body accepted (default 1 MiB); larger ones get 413. */
        public Builder maxBodyBytes(long value) {
            if (value < 1) {
                throw new ValidationException("max body bytes must be >= 1, got " + value);
            }
            this.maxBodyBytes = value;
            return this;
        }

        /** Runs one tenant may have running at once (default 64); more get 429 with {@code Retry-After}. */
        public Builder maxRunsPerTenant(int value) {
            if (value < 1) {
                throw new ValidationException("max runs per tenant must be >= 1, got " + value);
            }
            this.maxRunsPerTenant = value;
            return this;
        }

        /**
         * The name this replica claims queued runs under (default: host name and process id, which is unique among
         * the replicas on one PostgreSQL ledger).
         */
        public Builder replicaId(String value) {
            if (value.isBlank() || value.length() > 200) {
                throw new ValidationException("a replica id must be 1-200 characters, got '" + value + "'");
            }
            this.replicaId = value;
            return this;
        }

        /** How many runs execute on this replica at once (default 256); more wait in the queue. */
        public Builder workers(int value) {
            if (value < 1) {
                throw new ValidationException("workers must be >= 1, got " + value);
            }
            this.workers = value;
            return this;
        }

        /**
         * How long this replica's claim on a run lasts without renewal (default 30 s; renewed every third of it). A
         * replica that dies leaves its runs to the others after this long.
         */
        public Builder lease(Duration value) {
            if (value.toMillis() < 300) {
                throw new ValidationException("a lease must be at least 300 ms, got " + value);
            }
            this.lease = value;
            return this;
        }

        /** How often idle workers look at the queue for runs submitted to other replicas (default 500 ms). */
        public Builder queuePoll(Duration value) {
            if (value.toMillis() < 10) {
                throw new ValidationException("the queue poll interval must be at least 10 ms, got " + value);
            }
            this.queuePoll = value;
            return this;
        }

        /** Origins allowed to call the API from a browser, exactly as sent in {@code Origin}; {@code *} for any. */
        public Builder corsOrigins(List<String> values) {
            this.corsOrigins = new ArrayList<>(values);
            return this;
        }

        /** Serves HTTPS (TLS 1.2+) with a PEM certificate chain and an unencrypted PKCS#8 PEM private key. */
        public Builder tls(Path certificatePem, Path privateKeyPem) {
            this.tlsCertificate = certificatePem;
            this.tlsKey = privateKeyPem;
            return this;
        }

        /** The metrics collector (default a new {@link RunMetrics} with JVM metrics). */
        public Builder metrics(RunMetrics value) {
            this.metrics = value;
            return this;
        }

        /** The version {@code /health} reports (default: the jar's implementation version). */
        public Builder version(String value) {
            this.version = value;
            return this;
        }

        /** The loader of inline workflow definitions (default: the built-in node types and tools). */
        public Builder inlineLoader(WorkflowLoader value) {
            this.inlineLoader = value;
            return this;
        }

        /**
         * Builds the server (not yet listening).
         *
         * @throws ValidationException when the ledger is missing or the TLS files cannot be loaded
         */
        public MeshFlowServer build() {
            if (ledger == null) {
                throw new ValidationException("a server needs a ledger: MeshFlowServer.builder().ledger(...)");
            }
            for (String origin : corsOrigins) {
                if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
                    throw new ValidationException(
                            "CORS origin '" + origin + "' must be scheme://host[:port] with no path, or *");
                }
            }
            return new MeshFlowServer(this);
        }

        Set<String> corsOriginSet() {
            return Set.copyOf(corsOrigins);
        }

        private static String defaultReplicaId() {
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "localhost";
            }
            return host + ":" + ProcessHandle.current().pid() + ":" + Long.toHexString(System.nanoTime() & 0xffff);
        }

        private static String versionOfJar() {
            String v = MeshFlowServer.class.getPackage().getImplementationVersion();
            return v == null ? "dev" : v;
        }
    }
}
