package io.meshflow.tools.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.meshflow.json.MeshJson;
import io.meshflow.tool.ToolResult;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The network tools against a local HTTP server, with the allowlist opened for 127.0.0.1 only. */
class NetworkToolsIT {
    private static HttpServer server;
    private static String base;
    private static final List<String> requests = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", NetworkToolsIT::handle);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    private static void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        switch (path) {
            case "/robots.txt" ->
                send(exchange, 200, "text/plain", "User-agent: *\nDisallow: /private\nAllow: /private/open\n");
            case "/page", "/private/open" ->
                send(
                        exchange,
                        200,
                        "text/html; charset=utf-8",
                        "<html><head><title>Release notes</title><script>alert(1)</script><style>p{}</style></head>"
                                + "<body><nav>Home | About</nav><h1>Version 2</h1><p>Faster   <b>builds</b>.</p>"
                                + "<ul><li>One</li><li>Two</li></ul></body></html>");
            case "/private/secret" -> send(exchange, 200, "text/plain", "secret");
            case "/to-page" -> redirect(exchange, "/page");
            case "/to-private" -> redirect(exchange, "http://10.1.2.3/admin");
            case "/to-metadata" -> redirect(exchange, "http://169.254.169.254/latest/meta-data/");
            case "/api" ->
                send(
                        exchange,
                        exchange.getRequestMethod().equals("DELETE") ? 404 : 201,
                        "application/json",
                        "{\"method\":\"" + exchange.getRequestMethod() + "\",\"body\":" + MeshJson.write(body)
                                + ",\"type\":"
                                + MeshJson.write(String.valueOf(
                                        exchange.getRequestHeaders().getFirst("Content-Type")))
                                + "}");
            case "/ddg/" ->
                send(
                        exchange,
                        200,
                        "application/x-javascript",
                        "{\"Heading\":\"Java (programming language)\",\"AbstractText\":\"Java is a programming language.\","
                                + "\"AbstractSource\":\"Wikipedia\",\"AbstractURL\":\"https://en.wikipedia.org/wiki/Java\","
                                + "\"Answer\":\"\",\"Definition\":\"\",\"Results\":[],\"RelatedTopics\":["
                                + "{\"Text\":\"JVM - the virtual machine\",\"FirstURL\":\"https://duckduckgo.com/JVM\"},"
                                + "{\"Name\":\"See also\",\"Topics\":[{\"Text\":\"Kotlin\",\"FirstURL\":\"https://duckduckgo.com/Kotlin\"}]}]}");
            case "/big" -> send(exchange, 200, "text/plain", "x".repeat(5000));
            default -> send(exchange, 404, "text/plain", "not found");
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, exchange.getRequestMethod().equals("HEAD") ? -1 : bytes.length);
        if (!exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    private static void redirect(HttpExchange exchange, String location) throws IOException {
        exchange.getResponseHeaders().set("Location", location);
        exchange.sendResponseHeaders(302, -1);
        exchange.close();
    }

    private static BuiltinTools allowed() {
        return BuiltinTools.builder()
                .allowHosts("127.0.0.1")
                .hostRequestInterval(Duration.ZERO)
                .searchEndpoint(URI.create(base + "/ddg/"))
                .maxResponseBytes(1000)
                .build();
    }

    private static ToolResult call(BuiltinTools tools, String tool, String json) {
        return tools.tool(tool).call(MeshJson.parse(json));
    }

    @Test
    void webFetch_returnsReadableText_withoutScriptsOrNavigation() {
        ToolResult result = call(allowed(), "web_fetch", "{\"url\":\"" + base + "/page\"}");

        assertThat(result)
                .isEqualTo(ToolResult.success("Title: Release notes\nURL: " + base
                        + "/page\n\n# Version 2\n\nFaster builds.\n\n- One\n- Two"));
    }

    @Test
    void webFetch_honoursRobotsTxt_andFollowsRedirectsItChecks() {
        BuiltinTools tools = allowed();

        assertThat(call(tools, "web_fetch", "{\"url\":\"" + base + "/private/secret\"}"))
                .isEqualTo(ToolResult.error("refused: " + base + "/robots.txt disallows fetching /private/secret"));
        assertThat(call(tools, "web_fetch", "{\"url\":\"" + base + "/private/open\"}")
                        .isError())
                .isFalse();
        assertThat(call(tools, "web_fetch", "{\"url\":\"" + base + "/to-page\"}")
                        .content())
                .contains("# Version 2");
        assertThat(requests).doesNotContain("GET /private/secret");
    }

    @Test
    void ssrfGuard_refusesLoopbackAndCloudMetadata_withoutTheAllowlist_namingTheSetting() {
        BuiltinTools closed = BuiltinTools.builder().build();

        for (String tool : List.of("web_fetch", "http_request")) {
            String args = tool.equals("web_fetch") ? "" : "\"method\":\"GET\",";
            assertThat(call(closed, tool, "{" + args + "\"url\":\"" + base + "/page\"}")
                            .content())
                    .startsWith("refused: 127.0.0.1 resolves to 127.0.0.1, a loopback address")
                    .contains("MESHFLOW_ALLOWED_HOSTS");
            assertThat(call(closed, tool, "{" + args + "\"url\":\"http://169.254.169.254/latest/meta-data/\"}")
                            .content())
                    .startsWith("refused: 169.254.169.254 resolves to 169.254.169.254, a cloud metadata address");
        }
        assertThat(call(closed, "web_fetch", "{\"url\":\"http://localhost:1/\"}")
                        .content())
                .contains("a loopback address");
        assertThat(call(closed, "web_fetch", "{\"url\":\"http://[::1]:1/\"}").content())
                .contains("a loopback address");
        assertThat(call(closed, "web_fetch", "{\"url\":\"file:///etc/passwd\"}").content())
                .startsWith("refused: only http and https URLs can be fetched");
    }

    @Test
    void ssrfGuard_checksEveryRedirect() {
        assertThat(call(allowed(), "web_fetch", "{\"url\":\"" + base + "/to-private\"}")
                        .content())
                .startsWith("refused: 10.1.2.3 resolves to 10.1.2.3, a private address");
        assertThat(call(allowed(), "http_request", "{\"method\":\"GET\",\"url\":\"" + base + "/to-metadata\"}")
                        .content())
                .startsWith("refused: 169.254.169.254 resolves to 169.254.169.254, a cloud metadata address");
    }

    @Test
    void httpRequest_sendsMethodBodyAndHeaders_andReportsErrorsAsErrors() {
        ToolResult created = call(
                allowed(),
                "http_request",
                "{\"method\":\"POST\",\"url\":\"" + base + "/api\",\"body\":\"{\\\"a\\\":1}\","
                        + "\"headers\":{\"Content-Type\":\"application/json\"}}");
        assertThat(created)
                .isEqualTo(ToolResult.success("HTTP 201\ncontent-type: application/json\n\n"
                        + "{\"method\":\"POST\",\"body\":\"{\\\"a\\\":1}\",\"type\":\"application/json\"}"));

        ToolResult missing = call(allowed(), "http_request", "{\"method\":\"DELETE\",\"url\":\"" + base + "/api\"}");
        assertThat(missing.isError()).isTrue();
        assertThat(missing.content()).startsWith("HTTP 404");
        assertThat(call(allowed(), "http_request", "{\"method\":\"GET\",\"url\":\"" + base + "/api\",\"body\":\"x\"}")
                        .content())
                .isEqualTo("GET requests have no body; use POST, PUT or PATCH to send one");
    }

    @Test
    void responses_areCutAtTheSizeCap() {
        ToolResult result = call(allowed(), "http_request", "{\"method\":\"GET\",\"url\":\"" + base + "/big\"}");

        assertThat(result.content())
                .contains("x".repeat(1000))
                .doesNotContain("x".repeat(1001))
                .endsWith("[the body is larger than 1000 bytes; only its start was read]");
    }

    @Test
    void webSearch_formatsTheInstantAnswer() {
        ToolResult result = call(allowed(), "web_search", "{\"query\":\"java language\"}");

        assertThat(result).isEqualTo(ToolResult.success("""
                        Heading: Java (programming language)
                        Summary: Java is a programming language. (Wikipedia: https://en.wikipedia.org/wiki/Java)
                        Related:
                        - JVM - the virtual machine — https://duckduckgo.com/JVM
                        - Kotlin — https://duckduckgo.com/Kotlin"""));
        assertThat(requests).anyMatch(r -> r.startsWith("GET /ddg/?q=java+language&format=json"));
    }

    @Test
    void requestsToOneHost_areSpacedToTwoPerSecond() {
        BuiltinTools limited = BuiltinTools.builder().allowHosts("127.0.0.1").build();
        long t0 = System.nanoTime();

        for (int i = 0; i < 3; i++) {
            assertThat(call(limited, "http_request", "{\"method\":\"GET\",\"url\":\"" + base + "/api\"}")
                            .isError())
                    .isFalse();
        }

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void addressClassification_coversPrivateRanges_ipv6AndEmbeddedIpv4() throws Exception {
        assertThat(NetworkGuard.blockedKind(InetAddress.getByName("100.64.1.2")))
                .isEqualTo("carrier-grade NAT (CGNAT)");
        assertThat(NetworkGuard.blockedKind(InetAddress.getByName("172.20.0.1")))
                .isEqualTo("private");
        assertThat(NetworkGuard.blockedKind(InetAddress.getByName("192.168.1.1")))
                .isEqualTo("private");
        assertThat(NetworkGuard.blockedKind(InetAddress.getByName("169.254.10.1")))
                .isEqualTo("link-local");
        assertThat(NetworkGuard.blockedKind(InetAddress.getByName("0.0.0.0"))).isEqualTo("unspecified");
        assertThat(NetworkGuard.blockedKind(InetAddress.getByName("fd12:3456::1")))
                .isEqualTo("unique local (ULA)");
        assertThat(NetworkGuard.blockedKind(InetAddress.getByName("fd00:ec2::254")))
                .isEqualTo("cloud metadata");
        assertThat(NetworkGuard.blockedKind(InetAddress.getByName("fe80::1"))).isEqualTo("link-local");
        assertThat(NetworkGuard.blockedKind(InetAddress.getByName("::ffff:127.0.0.1")))
                .isEqualTo("loopback");
        assertThat(NetworkGuard.blockedKind(InetAddress.getByName("64:ff9b::a00:1")))
                .isEqualTo("private");
        assertThat(NetworkGuard.blockedKind(InetAddress.getByName("8.8.8.8"))).isNull();
        assertThat(NetworkGuard.blockedKind(InetAddress.getByName("2001:4860:4860::8888")))
                .isNull();
    }

    @Test
    void robotsTxt_longestMatchWins_wildcards_andOurOwnGroup() {
        RobotsTxt robots = RobotsTxt.parse(
                "User-agent: *\nDisallow: /\n\nUser-agent: MeshFlow\nDisallow: /tmp/\nAllow: /tmp/ok$\nDisallow: /*.pdf$\n");

        assertThat(robots.allows("/docs")).isTrue();
        assertThat(robots.allows("/tmp/x")).isFalse();
        assertThat(robots.allows("/tmp/ok")).isTrue();
        assertThat(robots.allows("/tmp/ok2")).isFalse();
        assertThat(robots.allows("/a/b.pdf")).isFalse();
        assertThat(RobotsTxt.parse("User-agent: *\nDisallow: /\n").allows("/anything"))
                .isFalse();
        assertThat(RobotsTxt.parse("User-agent: *\nDisallow:\n").allows("/anything"))
                .isTrue();
    }
}
