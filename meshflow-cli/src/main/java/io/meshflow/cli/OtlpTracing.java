package io.meshflow.cli;

import io.meshflow.MeshFlowException;
import io.meshflow.ValidationException;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends the spans core creates (through the OpenTelemetry API) to an OTLP/HTTP collector. Installed only when
 * {@value #ENDPOINT_VARIABLE} is set; otherwise core's spans go to the API's no-op tracer and nothing is exported.
 */
final class OtlpTracing implements AutoCloseable {
    /** The environment variable naming the collector, e.g. {@code http://localhost:4318}. */
    static final String ENDPOINT_VARIABLE = "MESHFLOW_OTLP_ENDPOINT";

    private static final String TRACES_PATH = "/v1/traces";
    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    private static final long FLUSH_SECONDS = 10;

    private final OpenTelemetrySdk sdk;
    private final AtomicBoolean closed = new AtomicBoolean();

    private OtlpTracing(OpenTelemetrySdk sdk) {
        this.sdk = sdk;
    }

    /**
     * Builds an OpenTelemetry SDK exporting to the configured collector and registers it globally, when
     * {@value #ENDPOINT_VARIABLE} is set.
     *
     * @throws ValidationException when the endpoint is not an http(s) URL
     * @throws MeshFlowException when OpenTelemetry was already set up in this JVM
     */
    static Optional<OtlpTracing> installIfConfigured(CliEnvironment environment) {
        String endpoint = environment.variable(ENDPOINT_VARIABLE);
        if (endpoint == null) {
            return Optional.empty();
        }
        OtlpHttpSpanExporter exporter =
                OtlpHttpSpanExporter.builder().setEndpoint(tracesUrl(endpoint)).build();
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
        return Optional.of(new OtlpTracing(sdk));
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

    /** Exports the spans still buffered and shuts the SDK down, waiting at most ten seconds; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        sdk.getSdkTracerProvider().forceFlush().join(FLUSH_SECONDS, TimeUnit.SECONDS);
        sdk.shutdown().join(FLUSH_SECONDS, TimeUnit.SECONDS);
    }
}
