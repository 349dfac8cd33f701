package io.meshflow.server;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.meshflow.Mesh;
import io.meshflow.MeshFlowException;
import io.meshflow.RunRequest;
import io.meshflow.ValidationException;
import io.meshflow.hitl.Decision;
import io.meshflow.hitl.HumanInLoopConfig;
import io.meshflow.hitl.Pause;
import io.meshflow.hitl.PauseAlreadyDecidedException;
import io.meshflow.hitl.PauseExpiredException;
import io.meshflow.hitl.PauseNotFoundException;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.AuditFinding;
import io.meshflow.ledger.RunRecord;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.jdbc.ChainVerification;
import io.meshflow.ledger.jdbc.ErasureReceipt;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.ledger.jdbc.LegalHoldException;
import io.meshflow.ledger.jdbc.RunNotFoundException;
import io.meshflow.ledger.jdbc.RunQuery;
import io.meshflow.ledger.jdbc.RunQueue;
import io.meshflow.ledger.jdbc.RunStillRunningException;
import io.meshflow.ledger.jdbc.SignatureCheck;
import io.meshflow.policy.Policy;
import io.meshflow.runtime.Ids;
import io.meshflow.trace.Trace;
import io.meshflow.workflow.WorkflowDefinition;
import io.meshflow.workflow.yaml.WorkflowFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The routes, authentication, tenancy and error mapping of {@link MeshFlowServer}. */
final class Api {
    /** Output: MeshFlow's wire format (snake_case, ISO timestamps). */
    static final ObjectMapper JSON = MeshJson.mapper();

    /** Input: the same, but strict: unknown fields and scalar coercions are errors. */
    static final ObjectMapper STRICT = strictMapper();

    private static final com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>> STRING_OBJECT_MAP =
            new com.fasterxml.jackson.core.type.TypeReference<>() {};
    private static final Logger ACCESS = LoggerFactory.getLogger("io.meshflow.server.access");
    private static final Logger LOG = LoggerFactory.getLogger(Api.class);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Set<String> PUBLIC = Set.of("/health", "/ready", "/openapi.json");
    private static final String PRINCIPAL = "meshflow.principal";
    private static final String REQUEST_ID_ATTR = "meshflow.request_id";
    private static final String ERROR_WRITTEN = "meshflow.error_written";
    private static final long HEARTBEAT_MILLIS = 15_000;
    /** How often a follower on another replica reads a run's relayed events. */
    private static final long RELAY_POLL_MILLIS = 50;
    /** Applies policy limits that were checked against the key that asked for them. */
    private static final Principal TRUSTED = new Principal("queue", Role.ADMIN);
    /** How often a follower of a queued run looks whether it started. */
    private static final long PENDING_POLL_MILLIS = 20;

    private final MeshFlowServer server;
    private final JdbcLedger ledger;
    private final Map<String, ServedWorkflow> workflows;
    private final Map<String, Mesh> meshes;
    private final @Nullable ServedWorkflow defaultWorkflow;
    private final RunWorkers workers;
    private final Set<String> corsOrigins;
    private final long startedNanos = System.nanoTime();
    private volatile long ledgerCheckedNanos;
    private volatile boolean ledgerReachable;

    Api(
            MeshFlowServer server,
            JdbcLedger ledger,
            Map<String, ServedWorkflow> workflows,
            Map<String, Mesh> meshes,
            @Nullable ServedWorkflow defaultWorkflow) {
        this.server = server;
        this.ledger = ledger;
        this.workflows = Map.copyOf(workflows);
        this.meshes = Map.copyOf(meshes);
        this.defaultWorkflow = defaultWorkflow;
        this.corsOrigins = server.config().corsOriginSet();
        MeshFlowServer.Builder c = server.config();
        this.workers = new RunWorkers(
                ledger,
                new QueuedRuns(),
                new RunWorkers.Settings(c.replicaId, c.workers, c.lease, c.queuePoll, c.eventRetention),
                c.clock);
    }

    /** Starts this replica's workers. */
    void startWorkers() {
        workers.start();
    }

    private static ObjectMapper strictMapper() {
        ObjectMapper m = MeshJson.mapper().copy();
        m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        m.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        for (LogicalType type :
                new LogicalType[] {LogicalType.Textual, LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            for (CoercionInputShape shape : new CoercionInputShape[] {
                CoercionInputShape.Integer,
                CoercionInputShape.Float,
                CoercionInputShape.Boolean,
                CoercionInputShape.String
            }) {
                m.coercionConfigFor(type).setCoercion(shape, CoercionAction.Fail);
            }
        }
        // an integer is a valid floating-point value (max_cost_usd: 1)
        m.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert);
        return m;
    }

    void configure(JavalinConfig cfg) {
        var routes = cfg.routes;
        routes.before(this::beforeEach);
        routes.get("/health", this::health);
        routes.get("/ready", this::ready);
        routes.get("/openapi.json", this::openapi);
        routes.get("/metrics", this::metrics);
        routes.post("/runs", this::startRun);
        routes.get("/runs", this::listRuns);
        routes.post("/stream", this::stream);
        routes.get("/runs/{id}", this::getRun);
        routes.post("/runs/{id}/cancel", this::cancelRun);
        routes.post("/runs/{id}/resume", this::resumeRun);
        routes.get("/pending", this::pending);
        routes.get("/runs/{id}/pauses", this::pausesOfRun);
        routes.post("/runs/{id}/approve", ctx -> decide(ctx, true));
        routes.post("/runs/{id}/reject", ctx -> decide(ctx, false));
        routes.get("/runs/{id}/events", this::events);
        routes.get("/runs/{id}/verify", this::verify);
        routes.get("/runs/{id}/audit", this::audit);
        routes.get("/traces/{runId}", this::trace);
        routes.get("/traces/{runId}/steps/{stepId}/replay", this::replay);
        routes.post("/admin/runs/{id}/delete", this::adminDeleteRun);
        routes.post("/admin/runs/{id}/anonymize", this::adminAnonymizeRun);
        routes.post("/admin/tenants/{tenantId}/delete", this::adminDeleteTenant);
        routes.get("/admin/erasures", this::adminErasures);
        TraceViewer.register(cfg);
        routes.options("/*", ctx -> ctx.status(204));
        routes.exception(
                ApiException.class, (e, ctx) -> writeError(ctx, e.status(), e.code(), e.getMessage(), e.headers()));
        routes.exception(
                HttpResponseException.class,
                (e, ctx) -> writeError(
                        ctx,
                        e.getStatus(),
                        switch (e.getStatus()) {
                            case 413 -> "body_too_large";
                            case 404 -> "not_found";
                            case 405 -> "method_not_allowed";
                            default -> e.getStatus() < 500 ? "bad_request" : "internal_error";
                        },
                        e.getStatus() == 413
                                ? "the request body is larger than " + server.config().maxBodyBytes + " bytes"
                                : Objects.toString(e.getMessage(), "error"),
                        Map.of()));
        routes.exception(
                ValidationException.class,
                (e, ctx) -> writeError(
                        ctx, 400, "invalid_request", Objects.toString(e.getMessage(), "invalid request"), Map.of()));
        routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("request {} failed", requestId(ctx), e);
            writeError(
                    ctx,
                    500,
                    "internal_error",
                    "internal error; see the server log for request " + requestId(ctx),
                    Map.of());
        });
        routes.error(404, ctx -> {
            if (ctx.attribute(ERROR_WRITTEN) == null) {
                writeError(ctx, 404, "not_found", "no route " + ctx.method() + " " + ctx.path(), Map.of());
            }
        });
        routes.error(405, ctx -> {
            if (ctx.attribute(ERROR_WRITTEN) == null) {
                writeError(
                        ctx,
                        405,
                        "method_not_allowed",
                        "method " + ctx.method() + " not allowed on " + ctx.path(),
                        Map.of());
            }
        });
        cfg.requestLogger.http((ctx, ms) -> {
            Principal p = ctx.attribute(PRINCIPAL);
            ACCESS.info(
                    "{} {} {} {}ms request_id={} tenant={}",
                    ctx.method(),
                    ctx.path(),
                    ctx.statusCode(),
                    Math.round(ms),
                    requestId(ctx),
                    p == null ? "-" : p.tenantId());
        });
    }

    // ---- filters -------------------------------------------------------------------------------------------------

    private void beforeEach(Context ctx) {
        String given = ctx.header("X-Request-Id");
        String id = given != null && REQUEST_ID.matcher(given).matches() ? given : newRequestId();
        ctx.attribute(REQUEST_ID_ATTR, id);
        ctx.header("X-Request-Id", id);
        cors(ctx);
        if (ctx.method().name().equals("OPTIONS")) {
            ctx.status(204);
            ctx.skipRemainingHandlers();
            return;
        }
        if (PUBLIC.contains(ctx.path()) || TraceViewer.serves(ctx.path())) {
            return;
        }
        String presented = presentedKey(ctx);
        Optional<Principal> principal = server.config().apiKeys.authenticate(presented);
        if (principal.isEmpty()) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"meshflow\"");
            throw new ApiException(
                    401,
                    "unauthorized",
                    presented == null
                            ? "an API key is required: Authorization: Bearer <key> or X-API-Key"
                            : "the API key is not valid");
        }
        ctx.attribute(PRINCIPAL, principal.get());
    }

    private static @Nullable String presentedKey(Context ctx) {
        String auth = ctx.header("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return auth.substring(7).trim();
        }
        String key = ctx.header("X-API-Key");
        return key == null ? null : key.trim();
    }

    private void cors(Context ctx) {
        String origin = ctx.header("Origin");
        Set<String> allowed = corsOrigins;
        if (origin == null || allowed.isEmpty()) {
            return;
        }
        if (allowed.contains("*")) {
            ctx.header("Access-Control-Allow-Origin", "*");
        } else if (allowed.contains(origin)) {
            ctx.header("Access-Control-Allow-Origin", origin);
            ctx.header("Vary", "Origin");
        } else {
            return;
        }
        ctx.header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        ctx.header(
                "Access-Control-Allow-Headers",
                "Authorization, X-API-Key, X-Tenant-ID, X-Request-Id, Content-Type," + " Last-Event-ID");
        ctx.header("Access-Control-Expose-Headers", "X-Request-Id, X-Run-Id, Retry-After");
        ctx.header("Access-Control-Max-Age", "600");
    }

    private Principal principal(Context ctx) {
        Principal p = ctx.attribute(PRINCIPAL);
        if (p == null) {
            throw new ApiException(401, "unauthorized", "an API key is required");
        }
        return p;
    }

    /** The tenant a request acts in: the key's, or the {@code X-Tenant-ID} an admin key (or the same tenant) names. */
    private String tenant(Context ctx) {
        Principal p = principal(ctx);
        String wanted = ctx.header("X-Tenant-ID");
        if (wanted == null || wanted.isBlank()) {
            return p.tenantId();
        }
        wanted = wanted.trim();
        if (!TENANT.matcher(wanted).matches()) {
            throw ApiException.badRequest(
                    "invalid_tenant", "X-Tenant-ID must be 1-64 letters, digits, '_', '.' or '-'");
        }
        if (!wanted.equals(p.tenantId()) && !p.isAdmin()) {
            throw new ApiException(403, "forbidden", "this key may act only in its own tenant");
        }
        return wanted;
    }

    private static String id(Context ctx, String param) {
        String value = ctx.pathParam(param);
        if (!ID.matcher(value).matches() || value.contains("..")) {
            throw ApiException.badRequest(
                    "invalid_id", param + " must be 1-128 letters, digits, '_', '.', ':' or '-' (and no '..')");
        }
        return value;
    }

    // ---- public routes -------------------------------------------------------------------------------------------

    private void health(Context ctx) {
        boolean reachable = ledgerReachable();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", reachable ? "ok" : "degraded");
        body.put("version", server.config().version);
        body.put("uptime_seconds", (System.nanoTime() - startedNanos) / 1_000_000_000L);
        body.put("ledger", Map.of("reachable", reachable));
        List<String> providers = new ArrayList<>();
        for (ServedWorkflow w : workflows.values()) {
            if (!providers.contains(w.provider().name())) {
                providers.add(w.provider().name());
            }
        }
        body.put("providers", providers);
        body.put("workflows", List.copyOf(workflows.keySet()));
        body.put("live_runs", workers.executing());
        body.put("replica_id", workers.replicaId());
        json(ctx, 200, body);
    }

    private void ready(Context ctx) {
        boolean ok = server.isStarted() && ledgerReachable();
        json(ctx, ok ? 200 : 503, Map.of("ready", ok));
    }

    /** Checks the ledger at most once a second: health probes must stay cheap. */
    private boolean ledgerReachable() {
        long now = System.nanoTime();
        if (now - ledgerCheckedNanos > 1_000_000_000L || ledgerCheckedNanos == 0) {
            boolean ok;
            try {
                ledger.runs(RunQuery.builder("health-probe").limit(1).build());
                ok = true;
            } catch (RuntimeException e) {
                LOG.warn("ledger unreachable: {}", e.toString());
                ok = false;
            }
            ledgerReachable = ok;
            ledgerCheckedNanos = now;
        }
        return ledgerReachable;
    }

    private void openapi(Context ctx) throws IOException {
        try (InputStream in = Api.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the jar");
            }
            ctx.contentType("application/json");
            ctx.result(in.readAllBytes());
        }
    }

    // ---- human decisions -------------------------------------------------------------------------------------------

    /**
     * The body of {@code POST /runs/{id}/approve} and {@code /reject}; every field may be left out.
     *
     * @param pauseId the pause decided (required when the run waits on several)
     * @param reviewerId who decides (default: the API key, by the start of its hash)
     * @param notes why
     */
    record DecisionRequest(
            @Nullable String pauseId,
            @Nullable String reviewerId,
            @Nullable String notes) {}

    private void pending(Context ctx) {
        String tenant = tenant(ctx);
        json(
                ctx,
                200,
                Map.of(
                        "pauses",
                        ledger.pending(tenant).stream().map(Api::pauseJson).toList()));
    }

    private void pausesOfRun(Context ctx) {
        String tenant = tenant(ctx);
        String runId = id(ctx, "id");
        record(tenant, runId);
        json(
                ctx,
                200,
                Map.of(
                        "run_id",
                        runId,
                        "pauses",
                        ledger.pauses(tenant, runId).stream()
                                .map(Api::pauseJson)
                                .toList()));
    }

    private void decide(Context ctx, boolean approve) {
        String tenant = tenant(ctx);
        String runId = id(ctx, "id");
        RunRecord record = record(tenant, runId);
        DecisionRequest body = ctx.bodyAsBytes().length == 0
                ? new DecisionRequest(null, null, null)
                : parse(ctx, DecisionRequest.class);
        String pauseId = body.pauseId();
        if (pauseId == null) {
            List<Pause> open =
                    ledger.pauses(tenant, runId).stream().filter(Pause::isOpen).toList();
            if (open.isEmpty()) {
                throw new ApiException(
                        409, "not_paused", "run " + runId + " has no open pause (status " + record.status() + ")");
            }
            if (open.size() > 1) {
                throw ApiException.badRequest(
                        "pause_id_required",
                        "run " + runId + " waits on " + open.size() + " pauses; name one in pause_id: "
                                + open.stream().map(Pause::pauseId).toList());
            }
            pauseId = open.get(0).pauseId();
        }
        String reviewer = body.reviewerId() == null ? requester(ctx) : body.reviewerId();
        Pause decided;
        try {
            Decision decision =
                    approve ? Decision.approve(reviewer, body.notes()) : Decision.reject(reviewer, body.notes());
            decided = ledger.decide(
                    tenant, runId, pauseId, decision, server.config().clock.instant());
        } catch (ValidationException e) {
            throw ApiException.badRequest("invalid_request", e.getMessage());
        } catch (PauseNotFoundException e) {
            throw ApiException.notFound("pause", pauseId);
        } catch (PauseAlreadyDecidedException e) {
            throw new ApiException(409, "already_decided", e.getMessage());
        } catch (PauseExpiredException e) {
            throw new ApiException(410, "expired", e.getMessage());
        }
        boolean resuming = resumeDecided(tenant, runId, record.workflowName());
        Map<String, Object> out = new LinkedHashMap<>(pauseJson(decided));
        out.put("run_status", resuming ? "RESUMING" : "DECIDED");
        json(ctx, 200, out);
    }

    /**
     * Queues a paused run whose decision is recorded so that a worker resumes it (this replica's, when one is free);
     * false when it is queued or executing already (its owner sees the decision when the run pauses).
     */
    boolean resumeDecided(String tenant, String runId, String workflowName) {
        if (!workers.queue().enqueueResume(tenant, runId, workflowName)) {
            return false;
        }
        if (!workers.takeLocally(runId)) {
            workers.wake();
        }
        return true;
    }

    /** Queues a run a timeout watcher claimed (its status moved from PAUSED to RUNNING) for a worker to resume. */
    void resumeClaimed(String tenant, String runId) {
        RunRecord record = ledger.run(tenant, runId).orElse(null);
        if (record == null) {
            return;
        }
        resumeDecided(tenant, runId, record.workflowName());
    }

    /** Whether this server serves the workflow of a pause's run (and so can resume it). */
    boolean serves(Pause pause) {
        return ledger.run(pause.tenantId(), pause.runId())
                .map(r -> meshes.containsKey(r.workflowName()))
                .orElse(false);
    }

    /** The human-in-the-loop configuration of a pause's run, from the workflow this server serves. */
    Optional<HumanInLoopConfig> humanInLoopOf(Pause pause) {
        return ledger.run(pause.tenantId(), pause.runId())
                .map(r -> workflows.get(r.workflowName()))
                .map(w -> w.workflow().policy().orElse(server.config().policy).humanInLoop());
    }

    private static Map<String, Object> pauseJson(Pause p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("pause_id", p.pauseId());
        out.put("run_id", p.runId());
        out.put("tenant_id", p.tenantId());
        out.put("node_id", p.nodeId());
        out.put("kind", p.kind().name().toLowerCase(java.util.Locale.ROOT));
        out.put("reason", p.reason());
        out.put("status", p.status().name());
        out.put("approvers", p.approvers());
        out.put("level", p.level());
        out.put("on_timeout", p.onTimeout().wireName());
        out.put("created_at", p.createdAt().toString());
        out.put("expires_at", p.expiresAt() == null ? null : String.valueOf(p.expiresAt()));
        out.put("context", MeshJson.parse(p.context()));
        out.put("reviewer_id", p.reviewerId());
        out.put("review_notes", p.reviewNotes());
        out.put("review_timestamp", p.reviewedAt() == null ? null : String.valueOf(p.reviewedAt()));
        return out;
    }

    // ---- erasure (GDPR) ---------------------------------------------------------------------------------------------

    /** The optional body of an erasure request. */
    record ErasureRequest(@Nullable String reason) {}

    private Principal admin(Context ctx, String what) {
        Principal p = principal(ctx);
        if (!p.isAdmin()) {
            throw new ApiException(403, "forbidden", what + " needs an admin key");
        }
        return p;
    }

    /** Who the receipt names: the admin key, by the start of its SHA-256 (never the key itself). */
    private static String requester(Context ctx) {
        String key = Objects.requireNonNull(presentedKey(ctx));
        return "api-key:" + HexFormat.of().formatHex(ApiKeys.hash(key), 0, 6);
    }

    private @Nullable String reason(Context ctx) {
        return ctx.bodyAsBytes().length == 0
                ? null
                : parse(ctx, ErasureRequest.class).reason();
    }

    private void adminDeleteRun(Context ctx) {
        admin(ctx, "deleting a run");
        String tenant = tenant(ctx);
        String runId = id(ctx, "id");
        String reason = reason(ctx);
        refuseLive(runId);
        ErasureReceipt receipt = erasure(() -> ledger.deleteRun(tenant, runId, requester(ctx), reason), runId);
        json(ctx, 200, withForgotten(receipt, mesh -> mesh.forgetRun(tenant, runId)));
    }

    private void adminAnonymizeRun(Context ctx) {
        admin(ctx, "anonymising a run");
        String tenant = tenant(ctx);
        String runId = id(ctx, "id");
        String reason = reason(ctx);
        refuseLive(runId);
        ErasureReceipt receipt = erasure(() -> ledger.anonymizeRun(tenant, runId, requester(ctx), reason), runId);
        json(ctx, 200, withForgotten(receipt, mesh -> mesh.forgetRun(tenant, runId)));
    }

    private void adminDeleteTenant(Context ctx) {
        admin(ctx, "deleting a tenant");
        String tenant = ctx.pathParam("tenantId");
        if (!TENANT.matcher(tenant).matches()) {
            throw ApiException.badRequest("invalid_tenant", "a tenant id is 1-64 letters, digits, '_', '.' or '-'");
        }
        String reason = reason(ctx);
        ErasureReceipt receipt = erasure(() -> ledger.deleteTenant(tenant, requester(ctx), reason), tenant);
        json(ctx, 200, withForgotten(receipt, mesh -> mesh.forgetTenant(tenant)));
    }

    private void adminErasures(Context ctx) {
        admin(ctx, "listing erasure receipts");
        String tenant = ctx.queryParam("tenant");
        if (tenant != null && !TENANT.matcher(tenant).matches()) {
            throw ApiException.badRequest("invalid_tenant", "a tenant id is 1-64 letters, digits, '_', '.' or '-'");
        }
        json(ctx, 200, Map.of("erasures", ledger.erasures(tenant)));
    }

    /**
     * The receipt plus {@code memories_forgotten}: the memories the erasure removed from the ledger (the receipt's
     * {@code memories}) plus those the served workflows kept outside it (a mesh given its own in-process store), which
     * are forgotten now. A mesh whose memory lives in the ledger only reloads what the erasure changed.
     */
    private Map<String, Object> withForgotten(ErasureReceipt receipt, java.util.function.ToIntFunction<Mesh> forget) {
        long forgotten = receipt.memories();
        for (Mesh mesh : meshes.values()) {
            forgotten += forget.applyAsInt(mesh);
        }
        Map<String, Object> out = new LinkedHashMap<>(JSON.convertValue(receipt, STRING_OBJECT_MAP));
        out.put("memories_forgotten", forgotten);
        return out;
    }

    private void refuseLive(String runId) {
        if (workers.live(runId) != null) {
            throw new ApiException(409, "run_live", "run " + runId + " is still running; cancel it first");
        }
    }

    private static ErasureReceipt erasure(java.util.function.Supplier<ErasureReceipt> erase, String what) {
        try {
            return erase.get();
        } catch (RunNotFoundException e) {
            throw ApiException.notFound("run", what);
        } catch (LegalHoldException e) {
            throw new ApiException(409, "legal_hold", e.getMessage());
        } catch (RunStillRunningException e) {
            throw new ApiException(409, "run_live", e.getMessage());
        }
    }

    // ---- metrics ---------------------------------------------------------------------------------------------------

    private void metrics(Context ctx) throws IOException {
        Principal p = principal(ctx);
        if (!p.isAdmin()) {
            throw new ApiException(403, "forbidden", "/metrics covers every tenant: it needs an admin key");
        }
        server.metrics().pendingPauses(ledger.pending(null).size());
        Map<RunQueue.State, Long> queued = workers.queue().counts();
        server.metrics()
                .queue(
                        queued.getOrDefault(RunQueue.State.QUEUED, 0L),
                        queued.getOrDefault(RunQueue.State.CLAIMED, 0L),
                        workers.executing());
        ctx.status(200);
        ctx.contentType(RunMetrics.CONTENT_TYPE);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(16 * 1024);
        server.metrics().writeTo(out);
        ctx.result(out.toByteArray());
    }

    // ---- starting runs ---------------------------------------------------------------------------------------------

    /**
     * A run a client asked for, checked and ready to queue.
     *
     * @param queueWorkflow the workflow name the queue row carries ({@link QueuedRequest#INLINE_PREFIX} for inline
     *     definitions)
     */
    private record Submission(
            String runId, String tenant, String queueWorkflow, QueuedRequest request, boolean detach) {}

    private Submission prepare(Context ctx, Principal principal, String tenant) {
        RunStartRequest body = parse(ctx, RunStartRequest.class);
        WorkflowDefinition workflow;
        Policy basePolicy;
        String defaultTask;
        String queueWorkflow;
        if (body.definition() != null && body.workflow() != null) {
            throw ApiException.badRequest("invalid_request", "give either workflow or definition, not both");
        }
        String definition = body.definition();
        String name = body.workflow();
        if (definition != null) {
            if (!principal.isAdmin()) {
                throw new ApiException(403, "forbidden", "inline workflow definitions need an admin key");
            }
            try (WorkflowFile file = loadInline(definition)) {
                workflow = file.workflow();
                defaultTask = file.task();
            }
            basePolicy = workflow.policy().orElse(server.config().policy);
            queueWorkflow = QueuedRequest.INLINE_PREFIX + workflow.name();
        } else {
            ServedWorkflow served;
            if (name != null) {
                served = workflows.get(name);
                if (served == null) {
                    throw new ApiException(
                            404,
                            "unknown_workflow",
                            "workflow '" + name + "' is not served here (served: " + workflows.keySet() + ")");
                }
                defaultTask = served.task();
            } else {
                served = defaultWorkflow;
                if (served == null) {
                    throw ApiException.badRequest(
                            "invalid_request",
                            "give a workflow (served: " + workflows.keySet() + ") or an inline definition");
                }
                defaultTask = null;
            }
            workflow = served.workflow();
            basePolicy = workflow.policy()
                    .orElse(Objects.requireNonNull(meshes.get(served.name())).policy());
            queueWorkflow = served.name();
        }
        String task = body.task() != null ? body.task() : defaultTask;
        if (task == null || task.isBlank()) {
            throw ApiException.badRequest("invalid_request", "task is required (the workflow has no default task)");
        }
        RunStartRequest.PolicyOverride override = body.policy();
        if (override != null) {
            // checked here, where the key is known; the replica that executes the run applies it again
            overridden(basePolicy, override, principal);
        }
        QueuedRequest queued = new QueuedRequest(task, definition == null ? queueWorkflow : null, definition, override);
        return new Submission(Ids.timeOrdered(), tenant, queueWorkflow, queued, Boolean.TRUE.equals(body.detach()));
    }

    /**
     * Loads an inline definition.
     *
     * @throws ApiException 400 when it is invalid or starts MCP servers
     */
    private WorkflowFile loadInline(String definition) {
        WorkflowFile file;
        try {
            file = server.config().inlineLoader.load(definition, "definition");
        } catch (ValidationException e) {
            throw ApiException.badRequest("invalid_workflow", e.getMessage());
        }
        if (!file.toolServers().isEmpty()) {
            file.close();
            throw ApiException.badRequest("invalid_workflow", "inline definitions may not start MCP servers");
        }
        return file;
    }

    /** The base policy with the request's limits; a user key may only tighten it. */
    static Policy overridden(Policy base, RunStartRequest.PolicyOverride o, Principal principal) {
        Policy start;
        try {
            start = o.mode() == null ? base : Policy.forMode(o.mode());
        } catch (ValidationException e) {
            throw ApiException.badRequest("invalid_policy", e.getMessage());
        }
        Policy.Builder b = start.toBuilder();
        try {
            if (o.maxSteps() != null) b.maxSteps(o.maxSteps());
            if (o.maxTokens() != null) b.maxTokens(o.maxTokens());
            if (o.maxCostUsd() != null) b.maxCostUsd(o.maxCostUsd());
            if (o.stepTimeoutMs() != null) b.stepTimeout(Duration.ofMillis(o.stepTimeoutMs()));
            if (o.runTimeoutMs() != null) b.runTimeout(Duration.ofMillis(o.runTimeoutMs()));
        } catch (ValidationException | IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_policy", e.getMessage());
        }
        Policy wanted;
        try {
            wanted = b.build();
        } catch (ValidationException e) {
            throw ApiException.badRequest("invalid_policy", e.getMessage());
        }
        if (!principal.isAdmin()) {
            List<String> looser = new ArrayList<>();
            if (!within(wanted.maxSteps(), base.maxSteps())) looser.add("max_steps");
            if (!within((double) wanted.maxTokens(), (double) base.maxTokens())) looser.add("max_tokens");
            if (!within(wanted.maxCostUsd(), base.maxCostUsd())) looser.add("max_cost_usd");
            if (!within((double) wanted.stepTimeout().toMillis(), (double)
                    base.stepTimeout().toMillis())) looser.add("step_timeout_ms");
            if (!within((double) wanted.runTimeout().toMillis(), (double)
                    base.runTimeout().toMillis())) looser.add("run_timeout_ms");
            if (!looser.isEmpty()) {
                throw new ApiException(
                        403,
                        "policy_not_allowed",
                        "a user key may only tighten the workflow's policy; these limits would be looser: " + looser);
            }
        }
        return wanted;
    }

    /** True when {@code value} is no looser than {@code limit}, 0 meaning no limit. */
    private static boolean within(double value, double limit) {
        return limit == 0 || (value != 0 && value <= limit);
    }

    /**
     * Queues a submitted run, claimed here at once when a worker is free.
     *
     * @throws ApiException 429 when the tenant has as many runs queued or executing as it may
     */
    private void submit(Submission sub) {
        int limit = server.config().maxRunsPerTenant;
        if (!workers.submit(
                sub.runId(), sub.tenant(), sub.queueWorkflow(), sub.request().toJson(), limit)) {
            throw new ApiException(
                    429,
                    "too_many_runs",
                    "tenant '" + sub.tenant() + "' already has " + limit + " runs queued or running; retry later",
                    Map.of("Retry-After", "1"));
        }
    }

    private void startRun(Context ctx) throws InterruptedException {
        Principal principal = principal(ctx);
        String tenant = tenant(ctx);
        boolean wait = booleanParam(ctx, "wait");
        Submission sub = prepare(ctx, principal, tenant);
        submit(sub);
        ctx.header("X-Run-Id", sub.runId());
        if (wait) {
            json(ctx, 200, workers.awaitResult(tenant, sub.runId()));
        } else {
            json(ctx, 202, Map.of("run_id", sub.runId(), "status", "RUNNING", "tenant_id", tenant));
        }
    }

    private void stream(Context ctx) {
        Principal principal = principal(ctx);
        String tenant = tenant(ctx);
        Submission sub = prepare(ctx, principal, tenant);
        boolean sse = acceptsEventStream(ctx);
        submit(sub);
        boolean complete = follow(ctx, sub.runId(), feed(tenant, sub.runId(), 0), sse);
        if (!complete && !sub.detach()) {
            LOG.info("client of run {} went away; cancelling it (request {})", sub.runId(), requestId(ctx));
            workers.cancel(tenant, sub.runId());
        }
    }

    /**
     * The events of a tenant's run after {@code afterPosition}: from memory when it executes (or ended) here, from the
     * relay when it executes on another replica, waiting while it is queued.
     *
     * @return the feed, or null when the run is neither here nor in the queue (nor, on a shared queue, relayed)
     */
    private @Nullable EventFeed feed(String tenant, String runId, long afterPosition) {
        RunWorkers.LiveRun local = workers.liveOrFinished(runId);
        if (local != null) {
            return local.tenantId().equals(tenant)
                    ? new EventFeed.Local(local.events(), local.attempt(), afterPosition)
                    : null;
        }
        RunQueue queue = workers.queue();
        if (queue.entry(tenant, runId).isEmpty()) {
            return null;
        }
        boolean shared = queue.isShared();
        return new EventFeed.Pending(
                () -> {
                    RunWorkers.LiveRun here = workers.liveOrFinished(runId);
                    if (here != null) {
                        return new EventFeed.Local(here.events(), here.attempt(), afterPosition);
                    }
                    RunQueue.Entry entry = queue.entry(tenant, runId).orElse(null);
                    boolean elsewhere = entry == null
                            || entry.state() == RunQueue.State.DONE
                            || (entry.state() == RunQueue.State.CLAIMED
                                    && !workers.replicaId().equals(entry.owner()));
                    return shared && elsewhere
                            ? new EventFeed.Relayed(queue, tenant, runId, afterPosition, RELAY_POLL_MILLIS)
                            : null;
                },
                () -> !shared
                        && workers.liveOrFinished(runId) == null
                        && queue.entry(tenant, runId)
                                .map(e -> e.state() == RunQueue.State.DONE)
                                .orElse(true),
                PENDING_POLL_MILLIS);
    }

    private static boolean acceptsEventStream(Context ctx) {
        String accept = ctx.header("Accept");
        return accept != null && accept.toLowerCase(Locale.ROOT).contains("text/event-stream");
    }

    /**
     * Writes a run's events as they come, as SSE or NDJSON, flushing each one; a missing feed ends the stream at
     * once.
     *
     * @return true when the stream reached the run's end, false when the client went away
     */
    private boolean follow(Context ctx, String runId, @Nullable EventFeed feed, boolean sse) {
        var res = ctx.res();
        res.setStatus(200);
        res.setContentType(sse ? "text/event-stream; charset=utf-8" : "application/x-ndjson; charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        res.setHeader("X-Run-Id", runId);
        try {
            OutputStream out = res.getOutputStream();
            if (sse) {
                out.write(": run ".concat(runId).concat("\n\n").getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
            if (feed == null) {
                return true;
            }
            while (true) {
                EventFeed.Frame frame = feed.next(HEARTBEAT_MILLIS);
                if (frame == null) {
                    if (feed.exhausted()) {
                        return true;
                    }
                    out.write((sse ? ": keep-alive\n\n" : "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    continue;
                }
                String text = sse
                        ? "id: " + frame.position() + "\nevent: " + frame.type() + "\ndata: " + frame.json() + "\n\n"
                        : frame.json() + "\n";
                out.write(text.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ---- reading runs ----------------------------------------------------------------------------------------------

    private RunRecord record(String tenant, String runId) {
        return ledger.run(tenant, runId).orElseThrow(() -> ApiException.notFound("run", runId));
    }

    private void getRun(Context ctx) {
        String tenant = tenant(ctx);
        String runId = id(ctx, "id");
        RunQueue.Entry queued = workers.queue().entry(tenant, runId).orElse(null);
        RunRecord record = ledger.run(tenant, runId).orElse(null);
        Map<String, Object> body;
        if (record != null) {
            body = new LinkedHashMap<>(JSON.convertValue(record, STRING_OBJECT_MAP));
        } else if (queued != null && queued.state() != RunQueue.State.DONE) {
            // accepted, waiting for a worker: the ledger records it when it starts; until then started_at is when
            // it was accepted
            String workflow = queued.workflowName();
            body = new LinkedHashMap<>();
            body.put("run_id", runId);
            body.put("tenant_id", tenant);
            body.put(
                    "workflow_name",
                    workflow.startsWith(QueuedRequest.INLINE_PREFIX)
                            ? workflow.substring(QueuedRequest.INLINE_PREFIX.length())
                            : workflow);
            body.put("task", QueuedRequest.fromJson(queued.request()).task());
            body.put("status", "QUEUED");
            body.put("started_at", queued.enqueuedAt().toString());
            body.put("ended_at", null);
            body.put("steps", 0);
            body.put("tokens_used", 0);
            body.put("cost_usd", 0.0);
            body.put("output", null);
            body.put("error", null);
            body.put("trace_id", null);
        } else {
            throw ApiException.notFound("run", runId);
        }
        body.put("live", workers.live(runId) != null);
        if (queued != null) {
            body.put("queue", queueJson(queued));
        }
        json(ctx, 200, body);
    }

    private void listRuns(Context ctx) {
        String tenant = tenant(ctx);
        RunQuery.Builder q = RunQuery.builder(tenant);
        String status = ctx.queryParam("status");
        if (status != null) {
            try {
                q.status(RunStatus.valueOf(status.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(
                        "invalid_query",
                        "status must be one of "
                                + java.util.Arrays.toString(RunStatus.values()).toLowerCase(Locale.ROOT));
            }
        }
        Instant from = instantParam(ctx, "started_from");
        if (from != null) q.startedFrom(from);
        Instant before = instantParam(ctx, "started_before");
        if (before != null) q.startedBefore(before);
        int limit = intParam(ctx, "limit", 50, 1, 1000);
        int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        List<RunRecord> runs = ledger.runs(q.limit(limit).offset(offset).build());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("runs", runs);
        body.put("limit", limit);
        body.put("offset", offset);
        body.put("next_offset", runs.size() == limit ? offset + limit : null);
        json(ctx, 200, body);
    }

    private void cancelRun(Context ctx) {
        String tenant = tenant(ctx);
        String runId = id(ctx, "id");
        if (!workers.cancel(tenant, runId)) {
            RunRecord record = record(tenant, runId);
            throw new ApiException(
                    409, "not_running", "run " + runId + " is not running (status " + record.status() + ")");
        }
        json(ctx, 202, Map.of("run_id", runId, "status", "CANCELLING"));
    }

    private static Map<String, Object> queueJson(RunQueue.Entry e) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("state", e.state().name());
        out.put("owner", e.owner());
        out.put("attempts", e.attempts());
        out.put("lease_until", e.leaseUntil() == null ? null : e.leaseUntil().toString());
        out.put("outcome", e.outcome());
        return out;
    }

    private void resumeRun(Context ctx) {
        String tenant = tenant(ctx);
        String runId = id(ctx, "id");
        RunRecord record = record(tenant, runId);
        if (workers.live(runId) != null) {
            throw new ApiException(409, "running", "run " + runId + " is running");
        }
        if (record.status() != RunStatus.RUNNING && record.status() != RunStatus.PAUSED) {
            throw new ApiException(
                    409,
                    "ended",
                    "run " + runId + " already ended " + record.status()
                            + "; only an interrupted or paused run can be resumed");
        }
        RunQueue queue = workers.queue();
        if (!meshes.containsKey(record.workflowName())
                && queue.entry(tenant, runId).isEmpty()) {
            throw new ApiException(
                    409,
                    "unknown_workflow",
                    "run " + runId + " ran workflow '" + record.workflowName() + "', which this server does not serve");
        }
        if (!queue.enqueueResume(tenant, runId, record.workflowName())) {
            throw new ApiException(409, "running", "run " + runId + " is queued or running on a replica");
        }
        if (!workers.takeLocally(runId)) {
            workers.wake();
        }
        json(ctx, 202, Map.of("run_id", runId, "status", "RESUMING"));
    }

    private void events(Context ctx) {
        String tenant = tenant(ctx);
        String runId = id(ctx, "id");
        long after = 0;
        String last = ctx.header("Last-Event-ID");
        if (last != null && !last.isBlank()) {
            try {
                after = Long.parseLong(last.trim());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("invalid_header", "Last-Event-ID must be an event position (its SSE id)");
            }
        }
        EventFeed feed = feed(tenant, runId, after);
        if (feed == null) {
            record(tenant, runId); // 404 when the tenant has no such run
            throw new ApiException(409, "not_live", "run " + runId + " is not live on this server; read its trace");
        }
        follow(ctx, runId, feed, true);
    }

    private void verify(Context ctx) {
        String tenant = tenant(ctx);
        String runId = id(ctx, "id");
        record(tenant, runId);
        json(ctx, 200, ledger.verifyChain(tenant, runId));
    }

    /**
     * The audit report of {@code GET /runs/{id}/audit}.
     *
     * @param tenantId the run's tenant
     * @param runId the run
     * @param chain the hash chain and signature verification
     * @param signatures each record's signature check, in order of seq
     * @param findings the governance findings recorded for the run
     */
    record AuditReport(
            String tenantId,
            String runId,
            ChainVerification chain,
            List<SignatureCheck> signatures,
            List<AuditFinding> findings) {}

    private void audit(Context ctx) {
        String tenant = tenant(ctx);
        String runId = id(ctx, "id");
        record(tenant, runId);
        json(
                ctx,
                200,
                new AuditReport(
                        tenant,
                        runId,
                        ledger.verifyChain(tenant, runId),
                        ledger.verifySignatures(tenant, runId),
                        ledger.findings(tenant, runId)));
    }

    private void trace(Context ctx) {
        String tenant = tenant(ctx);
        String runId = id(ctx, "runId");
        json(ctx, 200, Trace.read(ledger, tenant, runId).orElseThrow(() -> ApiException.notFound("run", runId)));
    }

    private void replay(Context ctx) {
        String tenant = tenant(ctx);
        String runId = id(ctx, "runId");
        String stepId = id(ctx, "stepId");
        StepRecord step = ledger.step(tenant, stepId)
                .filter(s -> s.runId().equals(runId))
                .orElseThrow(() -> ApiException.notFound("step", stepId));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("run_id", runId);
        body.put("step_id", stepId);
        body.put("node_id", step.nodeId());
        body.put("agent_id", step.agentId());
        body.put("input", step.inputTask());
        body.put("output", step.outputContent());
        body.put("output_truncated", step.outputTruncated());
        body.put("verdict", step.verdict().name());
        body.put("tool_calls", step.toolCalls());
        json(ctx, 200, body);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    /** How this server's workers turn queued runs into executions. */
    private final class QueuedRuns implements RunWorkers.Runs {
        @Override
        public RunWorkers.Target targetOf(RunQueue.ClaimedRun run) {
            QueuedRequest request = requestOf(run);
            String definition = request.definition();
            Mesh mesh;
            WorkflowDefinition workflow;
            if (definition == null) {
                ServedWorkflow served = workflows.get(run.workflowName());
                if (served == null) {
                    throw new IllegalArgumentException("workflow '" + run.workflowName() + "' is not served here");
                }
                workflow = served.workflow();
                mesh = Objects.requireNonNull(meshes.get(served.name()));
            } else {
                WorkflowFile file;
                try {
                    file = server.config().inlineLoader.load(definition, "definition");
                } catch (ValidationException e) {
                    throw new IllegalArgumentException("its inline definition is invalid: " + e.getMessage(), e);
                }
                try (file) {
                    workflow = file.workflow();
                    server.metrics().describe(workflow, file.scripted());
                    mesh = server.meshFor(workflow, file.scripted());
                }
            }
            RunStartRequest.PolicyOverride override = request.policy();
            // the replica that queued the run checked the key's right to these limits
            Policy policy =
                    override == null ? null : overridden(workflow.policy().orElse(mesh.policy()), override, TRUSTED);
            return new RunWorkers.Target(
                    mesh,
                    sink -> {
                        RunRequest.Builder b = RunRequest.builder(request.task())
                                .workflow(workflow)
                                .tenantId(run.tenantId())
                                .runId(run.runId())
                                .sink(sink);
                        if (policy != null) {
                            b.policy(policy);
                        }
                        return b.build();
                    },
                    policy);
        }

        @Override
        public Collection<String> servedWorkflows() {
            return meshes.keySet();
        }

        private QueuedRequest requestOf(RunQueue.ClaimedRun run) {
            if (run.kind() == RunQueue.Kind.RESUME && run.request().equals("{}")) {
                return new QueuedRequest("", run.workflowName(), null, null);
            }
            return QueuedRequest.fromJson(run.request());
        }
    }

    /** Stops this replica's workers: no more claims, and the runs executing here are handed back to the queue. */
    void stopWorkers() {
        workers.close();
    }

    private <T> T parse(Context ctx, Class<T> type) {
        byte[] bytes = ctx.bodyAsBytes();
        if (bytes.length == 0) {
            throw ApiException.badRequest("invalid_json", "the request body is empty; send a JSON object");
        }
        try {
            T value = STRICT.readValue(bytes, type);
            if (value == null) {
                throw ApiException.badRequest("invalid_json", "the request body must be a JSON object, not null");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw ApiException.badRequest(
                    "unknown_field",
                    "unknown field '" + e.getPropertyName() + "'" + at(e.getLocation()) + "; known fields: "
                            + e.getKnownPropertyIds());
        } catch (JsonMappingException e) {
            throw ApiException.badRequest(
                    "invalid_field",
                    "field '" + path(e) + "' has the wrong type or value" + at(e.getLocation()) + ": "
                            + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(
                    "invalid_json", "malformed JSON" + at(e.getLocation()) + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("invalid_json", "cannot read the request body: " + e.getMessage());
        }
    }

    private static String at(@Nullable JsonLocation location) {
        if (location == null) {
            return "";
        }
        return " at line " + location.getLineNr() + ", column " + location.getColumnNr() + " (offset "
                + location.getCharOffset() + ")";
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) sb.append('.');
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.isEmpty() ? "$" : sb.toString();
    }

    private static boolean booleanParam(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null) return false;
        return switch (v) {
            case "true", "1", "" -> true;
            case "false", "0" -> false;
            default -> throw ApiException.badRequest("invalid_query", name + " must be true or false");
        };
    }

    private static int intParam(Context ctx, String name, int dflt, int min, int max) {
        String v = ctx.queryParam(name);
        if (v == null) return dflt;
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw ApiException.badRequest("invalid_query", name + " must be " + min + ".." + max + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid_query", name + " must be a whole number");
        }
    }

    private static @Nullable Instant instantParam(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null) return null;
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(
                    "invalid_query", name + " must be an ISO-8601 instant such as" + " 2026-01-31T12:00:00Z");
        }
    }

    /** A random request id; not a secret, so a fast generator serves (UUID's SecureRandom contends under load). */
    static String newRequestId() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        return String.format(Locale.ROOT, "%016x%08x", random.nextLong(), random.nextInt());
    }

    private static String requestId(Context ctx) {
        String id = ctx.attribute(REQUEST_ID_ATTR);
        return id == null ? "-" : id;
    }

    private static void json(Context ctx, int status, Object body) {
        try {
            ctx.status(status);
            ctx.contentType("application/json");
            ctx.result(JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new MeshFlowException("cannot serialise the response", e);
        }
    }

    private static void writeError(Context ctx, int status, String code, String message, Map<String, String> headers) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        body.put("request_id", requestId(ctx));
        headers.forEach(ctx::header);
        ctx.attribute(ERROR_WRITTEN, true);
        json(ctx, status, body);
    }
}
