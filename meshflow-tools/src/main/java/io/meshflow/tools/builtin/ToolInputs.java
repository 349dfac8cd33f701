package io.meshflow.tools.builtin;

import io.meshflow.tools.Param;
import java.util.Map;
import java.util.Optional;

/** The arguments of the built-in tools; their JSON Schemas are generated from these records. */
final class ToolInputs {
    private ToolInputs() {}

    record WebSearch(
            @Param("what to look up: a topic, a name, a term or a question")
            String query) {}

    record WebFetch(
            @Param("the absolute http(s) URL of the page") String url) {}

    enum Method {
        GET,
        POST,
        PUT,
        PATCH,
        DELETE,
        HEAD
    }

    record HttpRequest(
            @Param("the HTTP method") Method method,
            @Param("the absolute http(s) URL") String url,

            @Param("the request body (for POST, PUT, PATCH), usually JSON")
            Optional<String> body,

            @Param("extra request headers by name, such as Content-Type")
            Optional<Map<String, String>> headers) {}

    record PythonRepl(
            @Param("Python 3 code to run; print what you want to see")
            String code) {}

    record Shell(
            @Param("one command line, such as: grep -c error logs/app.log")
            String command) {}

    record ReadFile(
            @Param("the file's path relative to the workspace, such as notes/todo.txt")
            String path) {}

    record WriteFile(
            @Param("the file's path relative to the workspace; missing directories are created")
            String path,

            @Param("the text to write") String content,

            @Param(value = "append to the file instead of replacing it", defaultValue = "false")
            boolean append) {}

    record DatetimeNow(
            @Param("an IANA time zone such as Europe/Paris or UTC; default: the server's zone")
            Optional<String> timezone) {}

    record CalculatorInput(
            @Param("the arithmetic expression, such as (3 + 4) * 2 ^ 3 / sqrt(16)")
            String expression) {}
}
