package io.meshflow.server;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A request the server refuses: the HTTP status, a stable machine-readable code and a message for people, written as
 * {@code {"error": code, "message": message, "request_id": ...}}.
 */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    @SuppressWarnings("serial") // an immutable Map.copyOf, never serialised in practice
    private final Map<String, String> headers;

    ApiException(int status, String code, @Nullable String message) {
        this(status, code, message, Map.of());
    }

    ApiException(int status, String code, @Nullable String message, Map<String, String> headers) {
        super(message == null ? code : message, null, false, false);
        this.status = status;
        this.code = code;
        this.headers = Map.copyOf(headers);
    }

    @Override
    public String getMessage() {
        return java.util.Objects.requireNonNull(super.getMessage());
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    Map<String, String> headers() {
        return headers;
    }

    static ApiException badRequest(String code, @Nullable String message) {
        return new ApiException(400, code, message);
    }

    static ApiException notFound(String what, String id) {
        return new ApiException(404, "not_found", what + " '" + id + "' not found");
    }
}
