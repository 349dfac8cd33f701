package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.testkit.FakeLlmServer;
import io.meshflow.testkit.FakeLlmServer.Reply;
import io.meshflow.testkit.OpenAiWire;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code meshflow run --provider NAME --model M --provider-setting K=V}, against a local OpenAI-compatible server. */
class RunProviderOptionTest {
    private final FakeLlmServer server = FakeLlmServer.start();

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void task_withProviderOpenAi_streamsTheModelsReply_andSendsTheModelAndTask() throws Exception {
        server.enqueue(Reply.sse(OpenAiWire.completion("gpt-4.1-mini-2025-04-14")
                .text("Three", " risks", ": churn.")
                .usage(40, 4, 0)
                .events()));

        Cli.Outcome run = Cli.run(
                "run",
                "--task",
                "Summarise our Q3 risks",
                "--provider",
                "openai",
                "--model",
                "gpt-4.1-mini",
                "--provider-setting",
                "base_url=" + server.url("/v1"),
                "--provider-setting",
                "api_key=sk-test",
                "--provider-setting",
                "max_retries=0");

        assertThat(run.err()).isEmpty();
        assertThat(run.exitCode()).isZero();
        assertThat(run.out())
                .contains("[assistant] Three risks: churn.")
                .containsPattern("1\\s+assistant\\s+assistant\\s+COMMIT\\s+44")
                .containsPattern("run [0-9a-f-]{36} COMPLETED");
        JsonNode body = server.requests().get(0).json();
        assertThat(body.get("model").asText()).isEqualTo("gpt-4.1-mini");
        assertThat(body.get("messages").findValuesAsText("content")).contains("Summarise our Q3 risks");
        assertThat(server.requests().get(0).header("authorization")).contains("Bearer sk-test");
    }

    @Test
    void workflowFile_providerOption_replacesTheFilesDefaultProvider_keepingItsSettingsForThatProvider() {
        server.enqueue(
                Reply.sse(OpenAiWire.completion("gpt-4o-mini").text("Draft.").events()));
        server.enqueue(
                Reply.sse(OpenAiWire.completion("gpt-4o-mini").text("Tight.").events()));

        Cli.Outcome run = Cli.run(
                "run",
                Fixtures.example("providers.yaml"),
                "--provider",
                "openai",
                "--provider-setting",
                "base_url=" + server.url("/v1"),
                "--provider-setting",
                "api_key=sk-test");

        assertThat(run.err()).isEmpty();
        assertThat(run.exitCode()).isZero();
        assertThat(run.out())
                .contains("[writer] Draft.")
                .contains("[editor] Tight.")
                .contains("total: 2 steps");
        List<FakeLlmServer.RecordedRequest> requests = server.requests();
        assertThat(requests).hasSize(2);
        // the file's providers.openai.model applies; the agents' system prompts come from the file
        assertThat(requests.get(0).json().get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(requests.get(0).json().get("messages").get(0).get("content").asText())
                .contains("Release-note writer");
        assertThat(requests.get(1).json().get("messages").findValuesAsText("content"))
                .anySatisfy(content -> assertThat(content).contains("Draft."));
    }

    @Test
    void workflowFile_providerScripted_runsTheFilesScriptsOffline() {
        Cli.Outcome run = Cli.run("run", Fixtures.example("providers.yaml"), "--provider", "scripted", "--json");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("\"type\":\"RUN_END\"").contains("official SDKs");
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void unknownProvider_exits2_listingTheAvailableOnes() {
        Cli.Outcome run = Cli.run("run", "--task", "hi", "--provider", "gemeni");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .contains("unknown provider 'gemeni'")
                .contains("available: ")
                .contains("anthropic")
                .contains("azure")
                .contains("ollama")
                .contains("openai")
                .contains("scripted");
    }

    @Test
    void providerWithoutItsKey_exits2_namingTheVariable() {
        assumeTrue(System.getenv("ANTHROPIC_API_KEY") == null, "ANTHROPIC_API_KEY is set in this environment");

        Cli.Outcome run = Cli.run("run", "--task", "hi", "--provider", "anthropic");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("ANTHROPIC_API_KEY");
    }

    @Test
    void providerSettingWithoutProvider_exits2() {
        Cli.Outcome run = Cli.run("run", "--task", "hi", "--provider-setting", "base_url=http://127.0.0.1:1/v1");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--provider-setting needs --provider");
    }
}
