package io.meshflow.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Jetty's own error responses (requests refused before they reach the routes: ambiguous or malformed paths, bad
 * headers) as the API's JSON error body instead of an HTML page; never a stack trace.
 */
final class JsonErrorHandler extends ErrorHandler {
    @Override
    protected void generateResponse(
            Request request,
            Response response,
            int code,
            @Nullable String message,
            @Nullable Throwable cause,
            Callback callback)
            throws IOException {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", code == 404 ? "not_found" : code >= 500 ? "internal_error" : "bad_request");
        body.put("message", code >= 500 ? "internal error" : message == null ? "bad request" : message);
        body.put("request_id", Api.newRequestId());
        byte[] json = Api.JSON.writeValueAsBytes(body);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(json), callback);
    }
}
