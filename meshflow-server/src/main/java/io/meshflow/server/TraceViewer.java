package io.meshflow.server;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The web trace viewer at {@code /ui}: plain HTML, CSS and JavaScript bundled in the jar (no CDN, no build step),
 * served without an API key. The page asks for a key once, keeps it in the browser's session storage and calls the
 * API with it: the runs list ({@code GET /runs}), a run's waterfall ({@code GET /traces/{runId}}), its chain status
 * ({@code GET /runs/{id}/verify}) and, while it runs, its live events ({@code GET /runs/{id}/events} as SSE).
 */
final class TraceViewer {
    /** The path the viewer is served under. */
    static final String PATH = "/ui";

    private static final String ROOT = "/io/meshflow/server/ui/";

    /** The bundled files and their content types; nothing else is served. */
    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "app.css", "text/css; charset=utf-8");

    private TraceViewer() {}

    /** True for the viewer's paths, which need no API key (the assets are public; the data is not). */
    static boolean serves(String path) {
        return path.equals(PATH) || path.startsWith(PATH + "/");
    }

    /** Adds the viewer's routes. */
    static void register(JavalinConfig cfg) {
        var routes = cfg.routes;
        // "/ui" and "/ui/" are one route (trailing slashes are ignored); the page names its assets absolutely
        routes.get(PATH, ctx -> asset(ctx, "index.html"));
        routes.get(PATH + "/{file}", ctx -> asset(ctx, ctx.pathParam("file")));
    }

    private static void asset(Context ctx, String name) {
        String type = FILES.get(name);
        if (type == null) {
            throw ApiException.notFound("file", name);
        }
        ctx.contentType(type);
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header(
                "Content-Security-Policy",
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
                        + " frame-ancestors 'none'");
        ctx.result(read(name));
    }

    private static byte[] read(String name) {
        try (InputStream in = TraceViewer.class.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                throw new IllegalStateException("the trace viewer's " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
