package io.meshflow.tools.builtin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * HTTP for the network tools: the SSRF guard before every request and every redirect (followed here, never by the
 * client), at most two requests per second per host, a time cap per request and a size cap per response body.
 */
final class WebClient {
    static final String USER_AGENT = "MeshFlow-tools/0.1 (+https://github.com/meshflow)";
    static final int MAX_REDIRECTS = 5;

    private final HttpClient client;
    private final NetworkGuard guard;
    private final HostRateLimiter limiter;
    private final Duration timeout;
    private final int maxBytes;

    /**
     * A response, its body cut at the size cap.
     *
     * @param status the HTTP status
     * @param uri the URL that answered, after redirects
     * @param contentType the content type, or empty
     * @param location the Location header of a redirect that was not followed, or null
     * @param text the body decoded as text, at most the cap
     * @param truncated whether the body was longer than the cap
     */
    record Response(
            int status,
            URI uri,
            String contentType,
            @Nullable String location,
            String text,
            boolean truncated) {}

    /** Decodes a body by the charset its content type names, else as UTF-8. */
    static String decode(byte[] body, String contentType) {
        Charset charset = StandardCharsets.UTF_8;
        String lower = contentType.toLowerCase(Locale.ROOT);
        int at = lower.indexOf("charset=");
        if (at >= 0) {
            String name = contentType.substring(at + 8).replace("\"", "");
            int semicolon = name.indexOf(';');
            name = (semicolon >= 0 ? name.substring(0, semicolon) : name).trim();
            try {
                charset = Charset.forName(name);
            } catch (IllegalArgumentException e) {
                // an unknown charset: read it as UTF-8
            }
        }
        return new String(body, charset);
    }

    WebClient(NetworkGuard guard, HostRateLimiter limiter, Duration timeout, int maxBytes) {
        this.guard = guard;
        this.limiter = limiter;
        this.timeout = timeout;
        this.maxBytes = maxBytes;
        this.client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout)
                .build();
    }

    Duration timeout() {
        return timeout;
    }

    int maxBytes() {
        return maxBytes;
    }

    /** Parses a URL given by the model. */
    static URI parse(String url) throws Refusal {
        try {
            URI uri = new URI(url.trim());
            if (!uri.isAbsolute()) {
                throw new Refusal("'" + url + "' is not an absolute URL; give one such as https://example.com/page");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new Refusal("'" + url + "' is not a valid URL: " + e.getReason());
        }
    }

    /**
     * Sends a request, following redirects for GET and HEAD (each one checked by the guard).
     *
     * @throws Refusal when the guard refuses a URL, or the request fails or times out
     */
    Response send(String method, URI uri, @Nullable String body, Map<String, String> headers)
            throws Refusal, InterruptedException {
        URI current = uri;
        String currentMethod = method;
        for (int redirects = 0; ; redirects++) {
            guard.check(current);
            Response response = once(currentMethod, current, body, headers);
            String location = response.location();
            boolean redirect = response.status() >= 300 && response.status() < 400 && location != null;
            if (!redirect || !(currentMethod.equals("GET") || currentMethod.equals("HEAD"))) {
                return response;
            }
            if (redirects == MAX_REDIRECTS) {
                throw new Refusal("stopped after " + MAX_REDIRECTS + " redirects at " + current);
            }
            try {
                current = current.resolve(new URI(location));
            } catch (URISyntaxException e) {
                throw new Refusal("redirect to an invalid URL '" + location + "'");
            }
        }
    }

    private Response once(String method, URI uri, @Nullable String body, Map<String, String> headers)
            throws Refusal, InterruptedException {
        limiter.acquire(uri.getHost().toLowerCase(Locale.ROOT) + ":" + uri.getPort());
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("User-Agent", USER_AGENT)
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        try {
            headers.forEach(request::header);
        } catch (IllegalArgumentException e) {
            throw new Refusal("invalid header: " + e.getMessage());
        }
        HttpResponse<InputStream> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw new Refusal("no response from " + uri + " within " + timeout.toSeconds() + " s");
        } catch (IOException e) {
            throw new Refusal("request to " + uri + " failed: " + e);
        }
        byte[] bytes;
        boolean truncated;
        try (InputStream in = response.body()) {
            Thread watchdog = Thread.startVirtualThread(() -> closeAfter(in, timeout));
            try {
                bytes = in.readNBytes(maxBytes + 1);
            } finally {
                watchdog.interrupt();
            }
            truncated = bytes.length > maxBytes;
            if (truncated) {
                bytes = java.util.Arrays.copyOf(bytes, maxBytes);
            }
        } catch (IOException | UncheckedIOException e) {
            throw new Refusal("reading the response of " + uri + " failed or took longer than " + timeout.toSeconds()
                    + " s: " + e.getMessage());
        }
        Optional<String> location = response.headers().firstValue("location");
        String contentType = response.headers().firstValue("content-type").orElse("");
        return new Response(
                response.statusCode(), uri, contentType, location.orElse(null), decode(bytes, contentType), truncated);
    }

    private static void closeAfter(InputStream in, Duration timeout) {
        try {
            Thread.sleep(timeout);
            in.close();
        } catch (InterruptedException e) {
            // the body was read in time
        } catch (IOException e) {
            // closing only ends a slow read; nothing else to do
        }
    }
}
