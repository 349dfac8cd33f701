package io.meshflow.cli;

import io.meshflow.MeshFlowException;
import io.meshflow.ValidationException;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sends the spans core creates (through the OpenTelemetry API) to an OTLP/HTTP collector. Installed only when
 * {@value #ENDPOINT_VARIABLE} is set; otherwise core's spans go to the API's no-op tracer and nothing is exported.
 *
 * <p>A collector that cannot be reached costs the command at most a few seconds and one warning line at the end;
 * OpenTelemetry's own stack traces appear only with {@code --verbose}.
 */
final class OtlpTracing implements AutoCloseable {
    /** The environment variable naming the collector, e.g. {@code http://localhost:4318}. */
    static final String ENDPOINT_VARIABLE = "MESHFLOW_OTLP_ENDPOINT";

    private static final String TRACES_PATH = "/v1/traces";
    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    private static final Duration EXPORT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final long FLUSH_SECONDS = 5;
    // held strongly: java.util.logging forgets the level of a logger nobody references
    private static final Logger OPENTELEMETRY_LOG = Logger.getLogger("io.opentelemetry");

    private final OpenTelemetrySdk sdk;
    private final FailureCountingExporter exporter;
    private final String url;
    private final PrintStream err;
    private final AtomicBoolean closed = new AtomicBoolean();

    private OtlpTracing(OpenTelemetrySdk sdk, FailureCountingExporter exporter, String url, PrintStream err) {
        this.sdk = sdk;
        this.exporter = exporter;
        this.url = url;
        this.err = err;
    }

    /**
     * Builds an OpenTelemetry SDK exporting to the configured collector and registers it globally, when
     * {@value #ENDPOINT_VARIABLE} is set.
     *
     * @param verbose true to let OpenTelemetry log export failures in full
     * @throws ValidationException when the endpoint is not an http(s) URL
     * @throws MeshFlowException when OpenTelemetry was already set up in this JVM
     */
    static Optional<OtlpTracing> installIfConfigured(CliEnvironment environment, boolean verbose) {
        String endpoint = environment.variable(ENDPOINT_VARIABLE);
        if (endpoint == null) {
            return Optional.empty();
        }
        String url = tracesUrl(endpoint);
        OPENTELEMETRY_LOG.setLevel(verbose ? Level.INFO : Level.OFF);
        FailureCountingExporter exporter = new FailureCountingExporter(OtlpHttpSpanExporter.builder()
                .setEndpoint(url)
                .setTimeout(EXPORT_TIMEOUT)
                .setConnectTimeout(CONNECT_TIMEOUT)
                .setRetryPolicy(RetryPolicy.builder()
                        .setMaxAttempts(2)
                        .setInitialBackoff(Duration.ofMillis(200))
                        .build())
                .build());
        SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, "meshflow"))))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
                .build();
        OpenTelemetrySdk sdk =
                OpenTelemetrySdk.builder().setTracerProvider(tracerProvider).build();
        try {
            GlobalOpenTelemetry.set(sdk);
        } catch (IllegalStateException e) {
            sdk.close();
            throw new MeshFlowException("tracing is not installed: OpenTelemetry is already set up in this JVM", e);
        }
        return Optional.of(new OtlpTracing(sdk, exporter, url, environment.err()));
    }

    /**
     * The OTLP/HTTP traces URL for an endpoint: a base URL such as {@code http://localhost:4318} gets
     * {@code /v1/traces} appended; a URL already ending in it is kept.
     *
     * @throws ValidationException when the endpoint is not an http(s) URL
     */
    static String tracesUrl(String endpoint) {
        URI uri;
        try {
            uri = new URI(endpoint.strip());
        } catch (URISyntaxException e) {
            throw new ValidationException(ENDPOINT_VARIABLE + " '" + endpoint + "' is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme();
        if (uri.getHost() == null || !("http".equals(scheme) || "https".equals(scheme))) {
            throw new ValidationException(
                    ENDPOINT_VARIABLE + " '" + endpoint + "' must be an http(s) URL such as http://localhost:4318");
        }
        String url = uri.toString();
        if (url.endsWith(TRACES_PATH)) {
            return url;
        }
        return (url.endsWith("/") ? url.substring(0, url.length() - 1) : url) + TRACES_PATH;
    }

    /**
     * Exports the spans still buffered and shuts the SDK down, waiting a few seconds at most; warns on standard error
     * when spans could not be sent. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        CompletableResultCode flushed = sdk.getSdkTracerProvider().forceFlush().join(FLUSH_SECONDS, TimeUnit.SECONDS);
        sdk.shutdown().join(FLUSH_SECONDS, TimeUnit.SECONDS);
        int failed = exporter.failedBatches.get();
        if (failed > 0 || !flushed.isDone()) {
            err.println("meshflow: warning: could not send traces to " + url + " (is the collector running?)");
        }
    }

    /** Passes spans on to the OTLP exporter and counts the batches it could not send. */
    private static final class FailureCountingExporter implements SpanExporter {
        private final SpanExporter delegate;
        private final AtomicInteger failedBatches = new AtomicInteger();

        FailureCountingExporter(SpanExporter delegate) {
            this.delegate = delegate;
        }

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            CompletableResultCode result = delegate.export(spans);
            result.whenComplete(() -> {
                if (!result.isSuccess()) {
                    failedBatches.incrementAndGet();
                }
            });
            return result;
        }

        @Override
        public CompletableResultCode flush() {
            return delegate.flush();
        }

        @Override
        public CompletableResultCode shutdown() {
            return delegate.shutdown();
        }
    }
}
