package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.Mesh;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.event.MeshEvent;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.RunStatus;
import io.meshflow.provider.ChatMessage;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.provider.ScriptedReply;
import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolCallTest {

    private static final Tool LOOKUP = Tool.of(
            "lookup_clause",
            "Returns the text of a contract clause by number.",
            MeshJson.parse("{\"type\":\"object\",\"properties\":{\"number\":{\"type\":\"integer\"}},"
                    + "\"required\":[\"number\"]}"),
            args -> {
                int n = args.path("number").asInt(-1);
                if (n < 1) {
                    throw new IllegalArgumentException("clause number must be positive");
                }
                return ToolResult.success("Clause " + n + ": either party may terminate with 30 days notice.");
            });

    @Test
    void toolCall_isRun_itsResultGoesBackToTheModel_andEventsAreEmitted() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent(
                        "reviewer",
                        List.of(
                                ScriptedReply.toolCall("lookup_clause", "{\"number\": 12}"),
                                ScriptedReply.text("Clause 12 allows termination on 30 days notice.")))
                .build();
        List<MeshEvent> events = Collections.synchronizedList(new ArrayList<>());
        Agent reviewer = Agent.builder("reviewer").tools(LOOKUP).build();

        RunResult result = Mesh.builder()
                .provider(model)
                .build()
                .run(RunRequest.builder("check clause 12")
                        .workflow(Team.sequential("t", reviewer))
                        .sink(events::add)
                        .build());

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.output()).isEqualTo("Clause 12 allows termination on 30 days notice.");
        ChatMessage toolMessage = model.requests().get(1).messages().get(2);
        assertThat(toolMessage.role()).isEqualTo(ChatMessage.Role.TOOL);
        assertThat(toolMessage.content()).contains("30 days notice");
        assertThat(model.requests().get(0).tools()).extracting(t -> t.name()).containsExactly("lookup_clause");
        assertThat(events)
                .filteredOn(e -> e instanceof MeshEvent.ToolCall)
                .singleElement()
                .satisfies(e -> assertThat(((MeshEvent.ToolCall) e)
                                .arguments()
                                .path("number")
                                .asInt())
                        .isEqualTo(12));
        assertThat(events)
                .filteredOn(e -> e instanceof MeshEvent.ToolResult)
                .singleElement()
                .satisfies(e -> assertThat(((MeshEvent.ToolResult) e).isError()).isFalse());
        // both model calls' tokens are accounted to the step, and the call is in its record
        assertThat(result.steps().get(0).tokensUsed()).isGreaterThan(20);
        assertThat(result.steps().get(0).toolCalls()).singleElement().satisfies(c -> {
            assertThat(c.toolName()).isEqualTo("lookup_clause");
            assertThat(c.result()).contains("30 days notice");
            assertThat(c.error()).isFalse();
        });
    }

    @Test
    void failingAndUnknownTools_areReportedToTheModelAsErrors_notCrashes() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent(
                        "reviewer",
                        List.of(
                                new ScriptedReply(
                                        "",
                                        List.of(
                                                new io.meshflow.provider.ToolCall(
                                                        "c1", "lookup_clause", MeshJson.parse("{\"number\":0}")),
                                                new io.meshflow.provider.ToolCall(
                                                        "c2", "delete_everything", MeshJson.parse("{}")))),
                                ScriptedReply.text("I could not look that up.")))
                .build();

        RunResult result = Mesh.builder()
                .provider(model)
                .build()
                .run(
                        Team.sequential(
                                "t", Agent.builder("reviewer").tools(LOOKUP).build()),
                        "check");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        List<ChatMessage> second = model.requests().get(1).messages();
        assertThat(second.get(2).content()).contains("clause number must be positive");
        assertThat(second.get(3).content()).contains("unknown tool 'delete_everything'");
        // the step's record keeps both calls, in the order asked, with their error results
        List<io.meshflow.ledger.ToolCallRecord> recorded = result.steps().get(0).toolCalls();
        assertThat(recorded).extracting(c -> c.callId()).containsExactly("c1", "c2");
        assertThat(recorded).extracting(c -> c.toolName()).containsExactly("lookup_clause", "delete_everything");
        assertThat(recorded.get(0).arguments()).isEqualTo("{\"number\":0}");
        assertThat(recorded).allSatisfy(c -> assertThat(c.error()).isTrue());
        assertThat(recorded.get(1).result()).contains("unknown tool 'delete_everything'");
    }

    @Test
    void endlessToolRounds_failTheStepAtTheCap() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent("looper", List.of(ScriptedReply.toolCall("lookup_clause", "{\"number\":1}")))
                .repeatLastWhenExhausted()
                .build();
        Agent looper = Agent.builder("looper").tools(LOOKUP).maxToolRounds(2).build();

        RunResult result = Mesh.builder().provider(model).build().run(Team.sequential("t", looper), "go");

        assertThat(result.status()).isEqualTo(RunStatus.FAILED);
        assertThat(result.error()).contains("more than 2 rounds");
    }

    @Test
    void invalidToolDefinitions_areRefused() {
        assertThatThrownBy(() ->
                        Tool.of("bad name!", "d", MeshJson.parse("{\"type\":\"object\"}"), a -> ToolResult.success("")))
                .hasMessageContaining("tool name 'bad name!'");
        assertThatThrownBy(
                        () -> Tool.of("ok", "d", MeshJson.parse("{\"type\":\"string\"}"), a -> ToolResult.success("")))
                .hasMessageContaining("must be a JSON object schema");
        assertThatThrownBy(() -> Agent.builder("a").tools(LOOKUP, LOOKUP).build())
                .hasMessageContaining("tool 'lookup_clause' is given twice");
    }

    @Test
    void invalidArguments_areAnErrorResultForTheModel_theToolDoesNotRun_andTheRunContinues() {
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        Tool counted = Tool.of("lookup_clause", LOOKUP.description(), LOOKUP.inputSchema(), args -> {
            runs.incrementAndGet();
            return ToolResult.success("Clause " + args.path("number").asInt());
        });
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent(
                        "reviewer",
                        List.of(
                                ScriptedReply.toolCall("lookup_clause", "{\"number\": \"twelve\"}"),
                                ScriptedReply.toolCall("lookup_clause", "{\"number\": 12}"),
                                ScriptedReply.text("Clause 12 it is.")))
                .build();
        List<MeshEvent> events = Collections.synchronizedList(new ArrayList<>());

        RunResult result = Mesh.builder()
                .provider(model)
                .build()
                .run(RunRequest.builder("check clause 12")
                        .workflow(Team.sequential(
                                "t", Agent.builder("reviewer").tools(counted).build()))
                        .sink(events::add)
                        .build());

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.output()).isEqualTo("Clause 12 it is.");
        assertThat(runs).hasValue(1);
        String error = model.requests().get(1).messages().get(2).content();
        assertThat(error)
                .startsWith(
                        "invalid arguments for tool 'lookup_clause': $.number: expected integer, got string"
                                + " \"twelve\". Call it again with arguments that match its input schema: {\"type\":\"object\"");
        assertThat(events)
                .filteredOn(e -> e instanceof MeshEvent.ToolResult)
                .extracting(e -> ((MeshEvent.ToolResult) e).isError())
                .containsExactly(true, false);
    }

    @Test
    void aToolThatThrows_outsideToolOf_isAnErrorResult_notACrash() {
        Tool raw = new Tool() {
            @Override
            public String name() {
                return "boom";
            }

            @Override
            public String description() {
                return "explodes";
            }

            @Override
            public com.fasterxml.jackson.databind.JsonNode inputSchema() {
                return MeshJson.parse("{\"type\":\"object\"}");
            }

            @Override
            public ToolResult call(com.fasterxml.jackson.databind.JsonNode arguments) {
                throw new IllegalStateException("kaput");
            }
        };
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent("a", List.of(ScriptedReply.toolCall("boom", "{}"), ScriptedReply.text("ok")))
                .build();

        RunResult result = Mesh.builder()
                .provider(model)
                .build()
                .run(Team.sequential("t", Agent.builder("a").tools(raw).build()), "go");

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(model.requests().get(1).messages().get(2).content())
                .isEqualTo("tool 'boom' failed: IllegalStateException: kaput");
    }
}
