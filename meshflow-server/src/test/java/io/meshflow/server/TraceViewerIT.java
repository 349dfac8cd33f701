package io.meshflow.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.agent.Agent;
import io.meshflow.json.MeshJson;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.provider.ScriptedReply;
import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolResult;
import io.meshflow.workflow.WorkflowDefinition;
import java.io.File;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web trace viewer in a real browser: headless Chromium (Debian's {@code chromium} and {@code chromium-driver},
 * which {@code .ci/run} installs) opens {@code /ui}, takes the API key, lists the runs, draws a run's waterfall and
 * shows a step's output. Not skipped when Chromium is missing: it fails, naming the packages to install.
 */
class TraceViewerIT {
    private static final Path CHROMIUM = Path.of(System.getProperty("meshflow.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER =
            Path.of(System.getProperty("meshflow.chromedriver", "/usr/bin/chromedriver"));
    private static final String LEFT_REPLY = "Left branch: liability is uncapped.";
    private static final String RIGHT_REPLY = "Right branch: payment terms are 90 days.";
    private static final Tool LOOKUP = Tool.of(
            "lookup_clause",
            "Returns a contract clause by number.",
            MeshJson.parse("{\"type\":\"object\",\"properties\":{\"number\":{\"type\":\"integer\"}}}"),
            args -> ToolResult.success("Clause " + args.path("number").asInt() + ": liability is uncapped."));

    @TempDir
    Path dir;

    private TestServer server;
    private ChromeDriverService service;
    private WebDriver browser;

    @BeforeEach
    void start() {
        assertThat(CHROMIUM)
                .as("headless Chromium is needed: apt-get install chromium chromium-driver (.ci/run does)")
                .isExecutable();
        assertThat(CHROMEDRIVER)
                .as("chromedriver is needed: apt-get install chromium-driver (.ci/run does)")
                .isExecutable();
        server = new TestServer(dir, b -> {
            b.workflow(new ServedWorkflow(fanWorkflow(), fanProvider(), "review"));
            // long enough (about 15 s) that the page attaches while it still streams, even on a loaded machine
            b.workflow(new ServedWorkflow(
                    io.meshflow.agent.Team.sequential("live", TestServer.agent("talker")),
                    io.meshflow.provider.ScriptedProvider.builder()
                            .fallback("word ".repeat(600).trim())
                            .tokenDelay(TestServer.SLOW_DELAY)
                            .build(),
                    "talk for a while"));
        });
        service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1400,900",
                "--user-data-dir=" + dir.resolve("chromium-profile"));
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.stop();
        }
        if (server != null) {
            server.close();
        }
    }

    /** Two agents in parallel between a split and a join: four steps, two lanes. */
    private static WorkflowDefinition fanWorkflow() {
        return WorkflowDefinition.builder("fan")
                .addFunctionNode("split", (in, ctx) -> "contract: " + in)
                .addAgentNode(
                        "legal",
                        Agent.builder("left")
                                .role("a test agent")
                                .instructions("look the clause up, then answer")
                                .tools(LOOKUP)
                                .maxTokens(16_384)
                                .build())
                .addAgentNode("finance", TestServer.agent("right"))
                .addFunctionNode(
                        "join", (in, ctx) -> String.join(" | ", ctx.inputs().values()))
                .addEdges("split", "legal", "finance")
                .addEdge("legal", "join")
                .addEdge("finance", "join")
                .build();
    }

    private static ScriptedProvider fanProvider() {
        return ScriptedProvider.builder()
                .forAgent(
                        "left",
                        List.of(
                                ScriptedReply.toolCall("lookup_clause", "{\"number\": 7}"),
                                ScriptedReply.text(LEFT_REPLY)))
                .forAgent("right", RIGHT_REPLY)
                .repeatLastWhenExhausted()
                .tokenDelay(Duration.ofMillis(15))
                .build();
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    private void enterKey(String key) {
        browser.get(server.url("/ui"));
        WebElement input = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key")));
        input.sendKeys(key);
        browser.findElement(By.id("save-key")).click();
    }

    private void screenshot(String name) throws Exception {
        Path target = Path.of("target", name);
        Files.createDirectories(target.getParent());
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(target)).isGreaterThan(1000);
    }

    @Test
    void ui_withKey_opensRun_drawsOneBarPerStep_inParallelLanes_andShowsTheClickedStepsOutput() throws Exception {
        String runId = server.runToEnd(TestServer.KEY_A, "fan");
        JsonNode trace = TestServer.json(server.get("/traces/" + runId, TestServer.KEY_A));
        assertThat(trace.path("steps")).hasSize(4);

        enterKey(TestServer.KEY_A);
        WebElement row = waiting()
                .until(ExpectedConditions.elementToBeClickable(
                        By.cssSelector("tr.run-row[data-run-id='" + runId + "']")));
        assertThat(row.getText()).contains("fan").contains("COMPLETED");
        row.click();

        waiting().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#waterfall .bar.step"), 4));
        assertThat(browser.findElements(By.cssSelector("#waterfall .bar.step.v-COMMIT")))
                .hasSize(4);
        // the legal agent's tool call, nested under its step
        assertThat(browser.findElements(By.cssSelector("#waterfall .wf-row.tool")))
                .singleElement()
                .satisfies(r -> assertThat(r.getText()).contains("lookup_clause"));
        assertThat(browser.findElements(By.cssSelector("#waterfall .lane")).stream()
                        .map(WebElement::getText)
                        .toList())
                .contains("branch 2");
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("chain-status"), "chain intact"));
        // on the time axis: the join starts after the split ended, the two branches in between
        int splitX = bar(stepId(trace, "split")).getRect().getX();
        int legalX = bar(stepId(trace, "legal")).getRect().getX();
        int joinX = bar(stepId(trace, "join")).getRect().getX();
        assertThat(legalX).isGreaterThan(splitX);
        assertThat(joinX).isGreaterThan(legalX);

        String legalStep = stepId(trace, "legal");
        browser.findElement(By.cssSelector(".wf-row.step[data-step-id='" + legalStep + "']"))
                .click();
        WebElement output = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("detail-output")));
        assertThat(output.getText()).isEqualTo(LEFT_REPLY);
        String detail = browser.findElement(By.id("detail")).getText();
        assertThat(detail)
                .contains("COMMIT")
                .contains("left")
                .contains("tokens")
                .contains("chain intact");
        screenshot("trace-viewer.png");

        // the key is kept for the tab: a reload goes straight to the run, without asking again
        Object kept = ((JavascriptExecutor) browser).executeScript("return sessionStorage.getItem('meshflow.apiKey')");
        assertThat(kept).isEqualTo(TestServer.KEY_A);
        browser.navigate().refresh();
        waiting().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#waterfall .bar.step"), 4));
        assertThat(browser.findElement(By.id("login")).isDisplayed()).isFalse();
    }

    @Test
    void ui_withWrongKey_asksAgain_withTheServersReason() {
        enterKey("not-a-key");

        WebElement error = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("login-error")));
        waiting().until(ExpectedConditions.textToBePresentInElement(error, "not valid"));
        assertThat(browser.findElement(By.id("runs-view")).isDisplayed()).isFalse();
        Object kept = ((JavascriptExecutor) browser).executeScript("return sessionStorage.getItem('meshflow.apiKey')");
        assertThat(kept).isNull();
    }

    @Test
    void ui_runningRun_streamsLive_thenShowsTheFinishedWaterfall() throws Exception {
        HttpResponse<String> started =
                server.post("/runs", TestServer.KEY_A, "{\"workflow\":\"live\",\"task\":\"talk\"}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String runId = TestServer.json(started).path("run_id").asText();

        enterKey(TestServer.KEY_A);
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("runs-table")));
        browser.get(server.url("/ui/#/runs/" + runId));

        WebElement tokens = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("live-tokens")));
        waiting().until(d -> tokens.getText().contains("word"));
        screenshot("trace-viewer-live.png");
        new WebDriverWait(browser, Duration.ofSeconds(60))
                .until(ExpectedConditions.invisibilityOfElementLocated(By.id("live")));
        waiting().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#waterfall .bar.step"), 1));
        assertThat(browser.findElement(By.id("run-header")).getText()).contains("COMPLETED");
    }

    @Test
    void assets_areServedWithoutKey_withStrictHeaders_butTheDataStillNeedsOne() {
        HttpResponse<String> page = server.get("/ui/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElse(""))
                .contains("default-src 'self'");
        assertThat(page.body()).contains("app.js").doesNotContain("http://").doesNotContain("https://");
        for (String asset : List.of("app.js", "app.css")) {
            HttpResponse<String> file = server.get("/ui/" + asset, null);
            assertThat(file.statusCode()).isEqualTo(200);
            assertThat(file.body().toLowerCase(Locale.ROOT))
                    .doesNotContain("https://")
                    .doesNotContain("http://");
        }
        TestServer.assertError(server.get("/ui/secrets.txt", null), 404, "not_found");
        TestServer.assertError(server.get("/runs", null), 401, "unauthorized");
    }

    private WebElement bar(String stepId) {
        return browser.findElement(By.cssSelector(".bar.step[data-step-id='" + stepId + "']"));
    }

    private static String stepId(JsonNode trace, String nodeId) {
        for (JsonNode step : trace.path("steps")) {
            if (step.path("node_id").asText().equals(nodeId)) {
                return step.path("step_id").asText();
            }
        }
        throw new AssertionError("no step of node " + nodeId + " in " + trace);
    }
}
