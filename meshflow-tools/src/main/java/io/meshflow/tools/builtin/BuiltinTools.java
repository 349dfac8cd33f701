package io.meshflow.tools.builtin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.InvalidPathException;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.JsonPathException;
import com.jayway.jsonpath.PathNotFoundException;
import com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import io.meshflow.json.MeshJson;
import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolResult;
import io.meshflow.tools.JavaTools;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeTraversor;
import org.jsoup.select.NodeVisitor;
import org.jspecify.annotations.Nullable;

/**
 * The ten built-in tools, safe by default:
 *
 * <table>
 *   <caption>built-in tools and their sandbox rules</caption>
 *   <tr><th>tool</th><th>rules</th></tr>
 *   <tr><td>{@code web_search(query)}</td><td>DuckDuckGo Instant Answer API (no key); network rules below</td></tr>
 *   <tr><td>{@code web_fetch(url)}</td><td>readable text of a page (jsoup); honours robots.txt; network rules</td></tr>
 *   <tr><td>{@code http_request(method, url, body, headers)}</td><td>any method; network rules</td></tr>
 *   <tr><td>{@code python_repl(code)}</td><td>{@code python3 -I} subprocess, 5 s, empty temporary directory, minimal
 *       environment</td></tr>
 *   <tr><td>{@code shell(command)}</td><td>10 s, command allowlist, no chaining, never sudo / rm -rf / curl|sh, runs
 *       in the workspace</td></tr>
 *   <tr><td>{@code read_file(path)}, {@code write_file(path, content)}</td><td>only inside the workspace (real paths
 *       checked: no {@code ..}, absolute paths or links leading out)</td></tr>
 *   <tr><td>{@code json_query(data, path)}</td><td>JSONPath (Jayway)</td></tr>
 *   <tr><td>{@code datetime_now(timezone)}</td><td>ISO-8601 with zone</td></tr>
 *   <tr><td>{@code calculator(expression)}</td><td>a parser, no script engine</td></tr>
 * </table>
 *
 * Network rules: http(s) only; hosts resolving to private, loopback, link-local, CGNAT, IPv6 unique-local or
 * cloud-metadata addresses are refused (checked after DNS resolution and again on every redirect) unless allowed by
 * {@value #ALLOWED_HOSTS_VARIABLE} or {@link Builder#allowHosts}; at most 2 requests per second per host; 10 s per
 * request; bodies cut at 2 MiB and text answers at 20,000 characters.
 *
 * <p>Immutable; the tools are thread-safe.
 */
public final class BuiltinTools {
    /** Environment variable naming the workspace directory of the file tools and the shell. */
    public static final String WORKSPACE_VARIABLE = "MESHFLOW_WORKSPACE_DIR";

    /** Environment variable listing hosts the network tools may reach despite the SSRF guard (comma-separated). */
    public static final String ALLOWED_HOSTS_VARIABLE = "MESHFLOW_ALLOWED_HOSTS";

    /** The workspace used when {@value #WORKSPACE_VARIABLE} is not set: {@code .meshflow/workspace}. */
    public static final Path DEFAULT_WORKSPACE = Path.of(".meshflow", "workspace");

    /** The DuckDuckGo Instant Answer API. */
    public static final URI DEFAULT_SEARCH_ENDPOINT = URI.create("https://api.duckduckgo.com/");

    private static final ObjectMapper MAPPER = MeshJson.mapper();
    private static final Duration ROBOTS_TTL = Duration.ofMinutes(10);

    private final Workspace workspace;
    private final WebClient web;
    private final URI searchEndpoint;
    private final ShellPolicy shell;
    private final Duration shellTimeout;
    private final String pythonCommand;
    private final Duration pythonTimeout;
    private final Clock clock;
    private final int maxTextChars;
    private final Map<String, CachedRobots> robots = new ConcurrentHashMap<>();
    private volatile @Nullable String pythonExecutable;
    private final Set<String> shellCommands;
    private final List<Tool> tools;

    private record CachedRobots(RobotsTxt rules, long fetchedNanos) {}

    private BuiltinTools(Builder b) {
        this.workspace = new Workspace(b.workspace);
        this.web = new WebClient(
                new NetworkGuard(Set.copyOf(b.allowedHosts)),
                new HostRateLimiter(b.hostInterval),
                b.httpTimeout,
                b.maxResponseBytes);
        this.searchEndpoint = b.searchEndpoint;
        this.shell = new ShellPolicy(b.shellCommands, b.shellChaining);
        this.shellCommands = b.shellCommands;
        this.shellTimeout = b.shellTimeout;
        this.pythonCommand = b.pythonCommand;
        this.pythonTimeout = b.pythonTimeout;
        this.clock = b.clock;
        this.maxTextChars = b.maxTextChars;
        this.tools = List.of(
                webSearch(),
                webFetch(),
                httpRequest(),
                pythonRepl(),
                shellTool(),
                readFile(),
                writeFile(),
                jsonQuery(),
                datetimeNow(),
                calculator());
    }

    /** Starts a configuration with the defaults, ignoring the environment. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The tools configured from the environment: the workspace from {@value #WORKSPACE_VARIABLE} (default
     * {@code .meshflow/workspace}), the allowlist from {@value #ALLOWED_HOSTS_VARIABLE}.
     */
    public static BuiltinTools fromEnvironment() {
        return builder().environment(System.getenv()).build();
    }

    /** All ten tools, in a fixed order. */
    public List<Tool> all() {
        return tools;
    }

    /**
     * One tool by name.
     *
     * @throws IllegalArgumentException for a name that is not a built-in tool
     */
    public Tool tool(String name) {
        return tools.stream()
                .filter(t -> t.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no built-in tool '" + name + "'; built-in tools: "
                        + String.join(", ", tools.stream().map(Tool::name).toList())));
    }

    /** The workspace directory of the file tools and the shell. */
    public Path workspace() {
        return workspace.root();
    }

    private interface Body<T> {
        ToolResult run(T input) throws Refusal, IOException, InterruptedException;
    }

    private static <T> Tool tool(String name, String description, Class<T> input, Body<T> body) {
        return JavaTools.fromRecord(name, description, input, value -> {
            try {
                return body.run(value);
            } catch (Refusal refusal) {
                return ToolResult.error(Objects.requireNonNullElse(refusal.getMessage(), "refused"));
            }
        });
    }

    private String cap(String text) {
        if (text.length() <= maxTextChars) {
            return text;
        }
        return text.substring(0, maxTextChars) + "\n[truncated: " + (text.length() - maxTextChars)
                + " more characters]";
    }

    // ---------------------------------------------------------------- web_search

    private Tool webSearch() {
        return tool(
                "web_search",
                "Looks a topic up with DuckDuckGo's Instant Answer API: returns a summary (abstract, answer or"
                        + " definition) with its source URL and related topics. Good for facts about things, people,"
                        + " places and terms; it does not return a full list of web results. Follow up with web_fetch"
                        + " on a URL to read a page.",
                ToolInputs.WebSearch.class,
                input -> {
                    String query = input.query().strip();
                    if (query.isEmpty()) {
                        return ToolResult.error("the query is empty");
                    }
                    String separator = searchEndpoint.toString().contains("?") ? "&" : "?";
                    URI uri = URI.create(searchEndpoint + separator + "q="
                            + URLEncoder.encode(query, StandardCharsets.UTF_8)
                            + "&format=json&no_html=1&skip_disambig=1&no_redirect=1");
                    WebClient.Response response = web.send("GET", uri, null, Map.of());
                    if (response.status() != 200) {
                        return ToolResult.error("the search service answered HTTP " + response.status());
                    }
                    JsonNode answer;
                    try {
                        answer = MAPPER.readTree(response.text());
                    } catch (JsonProcessingException e) {
                        return ToolResult.error("the search service sent something other than JSON");
                    }
                    return ToolResult.success(cap(formatInstantAnswer(query, answer)));
                });
    }

    static String formatInstantAnswer(String query, JsonNode answer) {
        StringBuilder out = new StringBuilder();
        appendLine(out, "Heading", answer.path("Heading").asText(""));
        appendLine(out, "Answer", answer.path("Answer").asText(""));
        String abstractText = answer.path("AbstractText").asText("");
        if (!abstractText.isEmpty()) {
            String source = answer.path("AbstractSource").asText("");
            String url = answer.path("AbstractURL").asText("");
            out.append("Summary: ").append(abstractText);
            if (!url.isEmpty()) {
                out.append(" (")
                        .append(source.isEmpty() ? "source" : source)
                        .append(": ")
                        .append(url)
                        .append(')');
            }
            out.append('\n');
        }
        appendLine(out, "Definition", answer.path("Definition").asText(""));
        List<String> related = new ArrayList<>();
        for (JsonNode section : List.of(answer.path("Results"), answer.path("RelatedTopics"))) {
            for (JsonNode topic : section) {
                if (topic.has("Topics")) {
                    topic.path("Topics").forEach(t -> addTopic(related, t));
                } else {
                    addTopic(related, topic);
                }
            }
        }
        if (!related.isEmpty()) {
            out.append("Related:\n");
            related.stream().limit(10).forEach(r -> out.append("- ").append(r).append('\n'));
        }
        if (out.isEmpty()) {
            return "No instant answer for '" + query + "'. The Instant Answer API covers topics, definitions and facts,"
                    + " not full web results: try the name of a topic, or web_fetch a page you know.";
        }
        return out.toString().strip();
    }

    private static void appendLine(StringBuilder out, String label, String value) {
        if (!value.isBlank()) {
            out.append(label).append(": ").append(value.strip()).append('\n');
        }
    }

    private static void addTopic(List<String> related, JsonNode topic) {
        String text = topic.path("Text").asText("");
        String url = topic.path("FirstURL").asText("");
        if (!text.isEmpty()) {
            related.add(url.isEmpty() ? text : text + " — " + url);
        }
    }

    // ---------------------------------------------------------------- web_fetch

    private Tool webFetch() {
        return tool(
                "web_fetch",
                "Fetches a web page and returns its readable text (title, headings, paragraphs, lists; no scripts or"
                        + " markup). Honours robots.txt. Use it to read a URL found with web_search or given by the"
                        + " user.",
                ToolInputs.WebFetch.class,
                input -> {
                    URI uri = WebClient.parse(input.url());
                    requireRobotsAllow(uri);
                    WebClient.Response response =
                            web.send("GET", uri, null, Map.of("Accept", "text/html, text/*;q=0.9"));
                    if (!response.uri().equals(uri)) {
                        requireRobotsAllow(response.uri());
                    }
                    if (response.status() >= 400) {
                        return ToolResult.error("HTTP " + response.status() + " from " + response.uri());
                    }
                    if (response.status() >= 300) {
                        return ToolResult.error("HTTP " + response.status() + " from " + response.uri()
                                + " without a usable Location header");
                    }
                    String type = response.contentType().toLowerCase(Locale.ROOT);
                    String text;
                    if (type.isEmpty() || type.contains("html")) {
                        text = readableText(response.text(), response.uri());
                    } else if (type.startsWith("text/") || type.contains("json") || type.contains("xml")) {
                        text = "URL: " + response.uri() + "\n\n" + response.text();
                    } else {
                        return ToolResult.error("unsupported content type '" + response.contentType() + "' at "
                                + response.uri() + "; web_fetch reads HTML and text");
                    }
                    if (response.truncated()) {
                        text += "\n[the page is larger than " + web.maxBytes() + " bytes; only its start was read]";
                    }
                    return ToolResult.success(cap(text));
                });
    }

    private void requireRobotsAllow(URI uri) throws Refusal, InterruptedException {
        String origin = uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority();
        CachedRobots cached = robots.get(origin);
        if (cached == null || System.nanoTime() - cached.fetchedNanos() > ROBOTS_TTL.toNanos()) {
            cached = new CachedRobots(fetchRobots(origin), System.nanoTime());
            robots.put(origin, cached);
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        if (!cached.rules().allows(path)) {
            throw new Refusal("refused: " + origin + "/robots.txt disallows fetching " + path);
        }
    }

    /** RFC 9309: a missing robots.txt (4xx) allows everything; an unreachable one (5xx, errors) allows nothing. */
    private RobotsTxt fetchRobots(String origin) throws Refusal, InterruptedException {
        WebClient.Response response;
        try {
            response = web.send("GET", URI.create(origin + "/robots.txt"), null, Map.of());
        } catch (Refusal refusal) {
            String message = refusal.getMessage();
            if (message != null && message.startsWith("refused:")) {
                throw refusal;
            }
            return RobotsTxt.DISALLOW_ALL;
        }
        if (response.status() >= 200 && response.status() < 300) {
            return RobotsTxt.parse(response.text());
        }
        if (response.status() >= 400 && response.status() < 500) {
            return RobotsTxt.ALLOW_ALL;
        }
        return RobotsTxt.DISALLOW_ALL;
    }

    /** The text a reader sees: block elements on lines of their own, list items as "- ", scripts and styles gone. */
    static String readableText(String html, URI uri) {
        Document document = Jsoup.parse(html, uri.toString());
        document.select("script, style, noscript, template, svg, iframe, nav, footer, form")
                .remove();
        StringBuilder out = new StringBuilder();
        String title = document.title().strip();
        if (!title.isEmpty()) {
            out.append("Title: ").append(title).append('\n');
        }
        out.append("URL: ").append(uri).append("\n\n");
        StringBuilder body = new StringBuilder();
        NodeTraversor.traverse(
                new NodeVisitor() {
                    @Override
                    public void head(Node node, int depth) {
                        if (node instanceof TextNode text) {
                            String value = text.text().replaceAll("\\s+", " ");
                            boolean atLineStart = body.isEmpty() || body.charAt(body.length() - 1) == '\n';
                            body.append(atLineStart ? value.stripLeading() : value);
                        } else if (node instanceof Element element) {
                            String tag = element.normalName();
                            if (tag.equals("br")) {
                                body.append('\n');
                            } else if (tag.equals("li")) {
                                lineBreak(body, 1);
                                body.append("- ");
                            } else if (tag.matches("h[1-6]")) {
                                lineBreak(body, 2);
                                body.append("#".repeat(tag.charAt(1) - '0')).append(' ');
                            } else if (element.isBlock()) {
                                lineBreak(body, 1);
                            }
                        }
                    }

                    @Override
                    public void tail(Node node, int depth) {
                        if (node instanceof Element element && element.isBlock()) {
                            boolean paragraph = element.normalName()
                                    .matches("h[1-6]|p|ul|ol|dl|table|pre|blockquote|section|article");
                            lineBreak(body, paragraph ? 2 : 1);
                        }
                    }
                },
                document.body());
        String text = body.toString()
                .replaceAll("[ \\t]+\\n", "\n")
                .replaceAll("\\n[ \\t]+", "\n")
                .replaceAll("\\n{3,}", "\n\n")
                .strip();
        return out.append(text).toString();
    }

    /** Ends the text with (at least) that many line breaks, unless it is empty; trailing spaces are dropped. */
    private static void lineBreak(StringBuilder text, int breaks) {
        while (!text.isEmpty() && text.charAt(text.length() - 1) == ' ') {
            text.setLength(text.length() - 1);
        }
        if (text.isEmpty()) {
            return;
        }
        int have = 0;
        while (have < text.length() && text.charAt(text.length() - 1 - have) == '\n') {
            have++;
        }
        text.append("\n".repeat(Math.max(0, breaks - have)));
    }

    // ---------------------------------------------------------------- http_request

    private Tool httpRequest() {
        return tool(
                "http_request",
                "Sends an HTTP request (GET, POST, PUT, PATCH, DELETE or HEAD) to an http(s) URL and returns the"
                        + " status, the content type and the body. Use it for APIs; use web_fetch to read web pages.",
                ToolInputs.HttpRequest.class,
                input -> {
                    URI uri = WebClient.parse(input.url());
                    String method = input.method().name();
                    String body = input.body().orElse(null);
                    if (body != null && (method.equals("GET") || method.equals("HEAD"))) {
                        return ToolResult.error(method + " requests have no body; use POST, PUT or PATCH to send one");
                    }
                    WebClient.Response response =
                            web.send(method, uri, body, input.headers().orElse(Map.of()));
                    StringBuilder out = new StringBuilder();
                    out.append("HTTP ").append(response.status()).append('\n');
                    if (!response.contentType().isEmpty()) {
                        out.append("content-type: ")
                                .append(response.contentType())
                                .append('\n');
                    }
                    String location = response.location();
                    if (location != null) {
                        out.append("location: ").append(location).append('\n');
                    }
                    if (!method.equals("HEAD")) {
                        out.append('\n').append(response.text());
                        if (response.truncated()) {
                            out.append("\n[the body is larger than ")
                                    .append(web.maxBytes())
                                    .append(" bytes; only its start was read]");
                        }
                    }
                    String text = cap(out.toString());
                    return response.status() >= 400 ? ToolResult.error(text) : ToolResult.success(text);
                });
    }

    // ---------------------------------------------------------------- python_repl

    private Tool pythonRepl() {
        return tool(
                "python_repl",
                "Runs Python 3 code in a fresh interpreter and returns what it prints (stdout and stderr). Each call"
                        + " starts from scratch: define what you need and print the results. Limits: "
                        + pythonTimeout.toSeconds() + " s, an empty temporary working directory, no environment"
                        + " variables but PATH and HOME.",
                ToolInputs.PythonRepl.class,
                input -> {
                    String executable = python();
                    Path directory = Files.createTempDirectory("meshflow-python-");
                    try {
                        ProcessBuilder process =
                                new ProcessBuilder(executable, "-I", "-").directory(directory.toFile());
                        Map<String, String> env = process.environment();
                        env.clear();
                        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
                        env.put("HOME", directory.toString());
                        env.put("LANG", "C.UTF-8");
                        env.put("PYTHONIOENCODING", "utf-8");
                        env.put("PYTHONDONTWRITEBYTECODE", "1");
                        ProcessRunner.Outcome outcome =
                                ProcessRunner.run(process, input.code(), pythonTimeout, 64 * 1024);
                        String text = cap(ProcessRunner.describe(outcome, "python", pythonTimeout));
                        if (outcome.timedOut() || outcome.exitCode() != 0) {
                            return ToolResult.error(text);
                        }
                        return ToolResult.success(text.isEmpty() ? "(no output; print what you want to see)" : text);
                    } finally {
                        deleteTree(directory);
                    }
                });
    }

    /** The real interpreter behind {@code python3}, found once (a version manager's shim needs its environment). */
    private String python() throws Refusal, InterruptedException {
        String known = pythonExecutable;
        if (known != null) {
            return known;
        }
        try {
            ProcessRunner.Outcome outcome = ProcessRunner.run(
                    new ProcessBuilder(pythonCommand, "-c", "import sys; print(sys.executable)"),
                    null,
                    Duration.ofSeconds(10),
                    4096);
            String path = outcome.output().strip();
            if (outcome.exitCode() != 0 || path.isEmpty() || !Files.isExecutable(Path.of(path))) {
                throw new Refusal(
                        "python3 is not usable here: " + outcome.output().strip());
            }
            pythonExecutable = path;
            return path;
        } catch (IOException e) {
            throw new Refusal("python3 is not installed (looked for '" + pythonCommand + "')");
        }
    }

    private static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, @Nullable IOException exc) throws IOException {
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    // ---------------------------------------------------------------- shell

    private Tool shellTool() {
        return tool(
                "shell",
                "Runs one command line in the workspace directory and returns its output. Only these commands are"
                        + " allowed: " + String.join(", ", new java.util.TreeSet<>(shellCommandsForDescription()))
                        + ". No pipes, ';', '&&', redirection or command substitution"
                        + (shell.chaining() ? " except pipes and ';', '&&', '||' between allowed commands" : "")
                        + "; paths must be relative to the workspace. Limit: " + shellTimeout.toSeconds() + " s.",
                ToolInputs.Shell.class,
                input -> {
                    List<String> command = shell.check(input.command());
                    Path directory = workspace.realRoot();
                    ProcessBuilder process = new ProcessBuilder(command).directory(directory.toFile());
                    Map<String, String> env = process.environment();
                    env.clear();
                    env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
                    env.put("HOME", directory.toString());
                    env.put("LANG", "C.UTF-8");
                    ProcessRunner.Outcome outcome;
                    try {
                        outcome = ProcessRunner.run(process, null, shellTimeout, 64 * 1024);
                    } catch (IOException e) {
                        return ToolResult.error("command '" + command.get(0) + "' could not be started (is it"
                                + " installed?): " + e.getMessage());
                    }
                    String text = cap(ProcessRunner.describe(outcome, "command", shellTimeout));
                    if (outcome.timedOut() || outcome.exitCode() != 0) {
                        return ToolResult.error(text);
                    }
                    return ToolResult.success(text.isEmpty() ? "(no output)" : text);
                });
    }

    private Set<String> shellCommandsForDescription() {
        return shellCommands;
    }

    // ---------------------------------------------------------------- files

    private Tool readFile() {
        return tool(
                "read_file",
                "Reads a UTF-8 text file from the workspace. Paths are relative to the workspace; absolute paths,"
                        + " '..' and links leading outside are refused.",
                ToolInputs.ReadFile.class,
                input -> {
                    Path file = workspace.existing(input.path());
                    if (Files.isDirectory(file)) {
                        try (var entries = Files.list(file)) {
                            List<String> names = entries.map(p -> p.getFileName() + (Files.isDirectory(p) ? "/" : ""))
                                    .sorted()
                                    .toList();
                            return ToolResult.error("'" + input.path() + "' is a directory; it holds: "
                                    + (names.isEmpty() ? "nothing" : String.join(", ", names)));
                        }
                    }
                    long size = Files.size(file);
                    if (size > web.maxBytes()) {
                        return ToolResult.error("'" + input.path() + "' has " + size
                                + " bytes; read_file reads files of" + " at most " + web.maxBytes() + " bytes");
                    }
                    byte[] bytes = Files.readAllBytes(file);
                    for (byte b : bytes) {
                        if (b == 0) {
                            return ToolResult.error("'" + input.path() + "' is a binary file; read_file reads text");
                        }
                    }
                    return ToolResult.success(cap(new String(bytes, StandardCharsets.UTF_8)));
                });
    }

    private Tool writeFile() {
        return tool(
                "write_file",
                "Writes (or appends) UTF-8 text to a file in the workspace, creating missing directories. Paths are"
                        + " relative to the workspace; absolute paths, '..' and links are refused.",
                ToolInputs.WriteFile.class,
                input -> {
                    byte[] bytes = input.content().getBytes(StandardCharsets.UTF_8);
                    if (bytes.length > web.maxBytes()) {
                        return ToolResult.error("the content has " + bytes.length + " bytes; write_file writes at most "
                                + web.maxBytes());
                    }
                    Path file = workspace.writable(input.path());
                    Path parent = file.getParent();
                    if (parent != null) {
                        Files.createDirectories(parent);
                    }
                    Files.write(
                            file,
                            bytes,
                            StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE,
                            input.append() ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING,
                            LinkOption.NOFOLLOW_LINKS);
                    return ToolResult.success((input.append() ? "appended " : "wrote ") + bytes.length + " bytes to "
                            + workspace.display(file));
                });
    }

    // ---------------------------------------------------------------- json_query

    private static final Configuration JSON_PATH = Configuration.builder()
            .jsonProvider(new JacksonJsonNodeJsonProvider(MAPPER))
            .mappingProvider(new JacksonMappingProvider(MAPPER))
            .build();

    private static Tool jsonQuery() {
        JsonNode schema = MeshJson.parse("""
                {
                  "type": "object",
                  "properties": {
                    "data": {"description": "the JSON document to query: an object or array, or a string holding JSON text"},
                    "path": {"type": "string", "description": "a JSONPath expression, such as $.items[?(@.price < 10)].name"}
                  },
                  "required": ["data", "path"],
                  "additionalProperties": false
                }
                """);
        return Tool.of(
                "json_query",
                "Selects values from a JSON document with a JSONPath expression and returns them as JSON. Syntax:"
                        + " $ is the root; .name or ['name'] a member; [0] an index ([-1] the last); [*] or .* all"
                        + " members; ..name a member at any depth; [1:3] a slice; [?(@.price < 10)] a filter (==, !=,"
                        + " <, <=, >, >=, =~ /regex/, in, &&, ||); .length() the size. Example: with data"
                        + " {\"books\":[{\"title\":\"A\",\"price\":8},{\"title\":\"B\",\"price\":12}]}, the path"
                        + " $.books[?(@.price < 10)].title returns [\"A\"].",
                schema,
                args -> {
                    JsonNode data = args.path("data");
                    if (data.isTextual()) {
                        try {
                            data = MAPPER.readTree(data.textValue());
                        } catch (JsonProcessingException e) {
                            return ToolResult.error("data is a string but not JSON text: " + e.getOriginalMessage());
                        }
                    }
                    String path = args.path("path").asText();
                    try {
                        JsonNode result = JsonPath.using(JSON_PATH).parse(data).read(path);
                        return ToolResult.success(MAPPER.writeValueAsString(result));
                    } catch (PathNotFoundException e) {
                        return ToolResult.error("no match: " + e.getMessage());
                    } catch (InvalidPathException e) {
                        return ToolResult.error("invalid JSONPath '" + path + "': " + e.getMessage());
                    } catch (JsonPathException e) {
                        return ToolResult.error("JSONPath '" + path + "' failed: " + e.getMessage());
                    }
                });
    }

    // ---------------------------------------------------------------- datetime_now

    private Tool datetimeNow() {
        return tool(
                "datetime_now",
                "Returns the current date and time in ISO-8601 with the offset and zone, such as"
                        + " 2026-03-12T14:02:00+01:00[Europe/Paris], and the weekday.",
                ToolInputs.DatetimeNow.class,
                input -> {
                    ZoneId zone;
                    try {
                        zone = input.timezone().map(ZoneId::of).orElse(clock.getZone());
                    } catch (DateTimeException e) {
                        return ToolResult.error(
                                "unknown time zone '" + input.timezone().orElse("")
                                        + "'; use an IANA name such as Europe/Paris, America/New_York or UTC");
                    }
                    ZonedDateTime now = ZonedDateTime.now(clock.withZone(zone)).truncatedTo(ChronoUnit.SECONDS);
                    return ToolResult.success(DateTimeFormatter.ISO_ZONED_DATE_TIME.format(now) + " ("
                            + now.getDayOfWeek().getDisplayName(java.time.format.TextStyle.FULL, Locale.ENGLISH) + ")");
                });
    }

    // ---------------------------------------------------------------- calculator

    private static Tool calculator() {
        return tool(
                "calculator",
                "Evaluates an arithmetic expression exactly as written and returns the number. Operators: + - * / %"
                        + " ^ (or **), parentheses; constants pi, e, tau; functions: " + Calculator.FUNCTIONS
                        + ". Angles are in radians. Example: (3 + 4) * 2 ^ 3 / sqrt(16) = 14.",
                ToolInputs.CalculatorInput.class,
                input -> {
                    try {
                        return ToolResult.success(Calculator.format(Calculator.evaluate(input.expression())));
                    } catch (IllegalArgumentException e) {
                        return ToolResult.error("cannot evaluate '" + input.expression() + "': " + e.getMessage());
                    }
                });
    }

    /** Configures {@link BuiltinTools}. */
    public static final class Builder {
        private Path workspace = DEFAULT_WORKSPACE;
        private final Set<String> allowedHosts = new LinkedHashSet<>();
        private Set<String> shellCommands = ShellPolicy.DEFAULT_COMMANDS;
        private boolean shellChaining;
        private Duration shellTimeout = Duration.ofSeconds(10);
        private String pythonCommand = "python3";
        private Duration pythonTimeout = Duration.ofSeconds(5);
        private URI searchEndpoint = DEFAULT_SEARCH_ENDPOINT;
        private Duration httpTimeout = Duration.ofSeconds(10);
        private int maxResponseBytes = 2 * 1024 * 1024;
        private int maxTextChars = 20_000;
        private Duration hostInterval = Duration.ofMillis(500);
        private Clock clock = Clock.system(ZoneId.systemDefault());

        private Builder() {}

        /**
         * Applies environment variables: {@value #WORKSPACE_VARIABLE} and {@value #ALLOWED_HOSTS_VARIABLE}.
         */
        public Builder environment(Map<String, String> env) {
            String dir = env.get(WORKSPACE_VARIABLE);
            if (dir != null && !dir.isBlank()) {
                workspace(Path.of(dir));
            }
            String hosts = env.get(ALLOWED_HOSTS_VARIABLE);
            if (hosts != null) {
                allowHosts(Arrays.stream(hosts.split(","))
                        .map(String::strip)
                        .filter(h -> !h.isEmpty())
                        .toList());
            }
            return this;
        }

        /** The directory the file tools and the shell work in (default {@code .meshflow/workspace}). */
        public Builder workspace(Path value) {
            this.workspace = Objects.requireNonNull(value, "workspace");
            return this;
        }

        /**
         * Hosts (names or IP literals as written in URLs, optionally {@code host:port}) the network tools may reach
         * even though they resolve to private, loopback or other internal addresses. For tests and trusted
         * deployments only.
         */
        public Builder allowHosts(String... hosts) {
            return allowHosts(List.of(hosts));
        }

        /** Hosts the network tools may reach despite the SSRF guard; see {@link #allowHosts(String...)}. */
        public Builder allowHosts(Collection<String> hosts) {
            hosts.forEach(h -> allowedHosts.add(h.toLowerCase(Locale.ROOT)));
            return this;
        }

        /** The commands the shell tool may run (default: read-only ones such as ls, cat, grep, wc). */
        public Builder shellCommands(Set<String> commands) {
            this.shellCommands = Set.copyOf(commands);
            return this;
        }

        /**
         * Lets the shell chain allowed commands with {@code |}, {@code ;}, {@code &&}, {@code ||} (run through
         * {@code /bin/sh -c}); substitution and redirection stay refused. Off by default.
         */
        public Builder shellChaining(boolean value) {
            this.shellChaining = value;
            return this;
        }

        /** How long a shell command may run (default 10 s). */
        public Builder shellTimeout(Duration value) {
            this.shellTimeout = positive(value, "shellTimeout");
            return this;
        }

        /** The Python interpreter command (default {@code python3}). */
        public Builder pythonCommand(String value) {
            this.pythonCommand = Objects.requireNonNull(value, "pythonCommand");
            return this;
        }

        /** How long Python code may run (default 5 s). */
        public Builder pythonTimeout(Duration value) {
            this.pythonTimeout = positive(value, "pythonTimeout");
            return this;
        }

        /** The Instant Answer API endpoint of web_search (default DuckDuckGo's). */
        public Builder searchEndpoint(URI value) {
            this.searchEndpoint = Objects.requireNonNull(value, "searchEndpoint");
            return this;
        }

        /** How long one HTTP request may take (default 10 s). */
        public Builder httpTimeout(Duration value) {
            this.httpTimeout = positive(value, "httpTimeout");
            return this;
        }

        /** The most bytes of a response body (and of a file read or written) (default 2 MiB). */
        public Builder maxResponseBytes(int value) {
            if (value <= 0) {
                throw new IllegalArgumentException("maxResponseBytes must be positive, got " + value);
            }
            this.maxResponseBytes = value;
            return this;
        }

        /** The most characters of text a tool returns to the model (default 20,000). */
        public Builder maxTextChars(int value) {
            if (value <= 0) {
                throw new IllegalArgumentException("maxTextChars must be positive, got " + value);
            }
            this.maxTextChars = value;
            return this;
        }

        /** The least time between two requests to one host (default 500 ms: at most 2 per second). */
        public Builder hostRequestInterval(Duration value) {
            if (value.isNegative()) {
                throw new IllegalArgumentException("hostRequestInterval must not be negative");
            }
            this.hostInterval = value;
            return this;
        }

        /** The clock of datetime_now; its zone is the default zone. */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** Returns the tools. */
        public BuiltinTools build() {
            return new BuiltinTools(this);
        }

        private static Duration positive(Duration value, String name) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return value;
        }
    }
}
