package io.meshflow.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.json.MeshJson;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MeshEventJsonTest {

    private static final Instant TS = Instant.parse("2026-11-26T12:00:00Z");

    @Test
    void tokenDelta_serialisesWithTypeFirst_andSnakeCaseFields() throws Exception {
        MeshEvent event = new MeshEvent.TokenDelta(
                7, "r1", "r1.2", "review/clause", "acme", TS, List.of("review", "clause"), "lawyer", "Indemn");

        String json = MeshJson.write(event);

        assertThat(json)
                .startsWith("{\"type\":\"TOKEN_DELTA\",\"seq\":7,\"run_id\":\"r1\",\"step_id\":\"r1.2\","
                        + "\"node_id\":\"review/clause\",\"tenant_id\":\"acme\",\"ts\":\"2026-11-26T12:00:00Z\","
                        + "\"path\":[\"review\",\"clause\"]");
        assertThat(json).contains("\"agent_id\":\"lawyer\"", "\"text\":\"Indemn\"");
        MeshEvent back = MeshJson.mapper().readValue(json, MeshEvent.class);
        assertThat(back).isEqualTo(event);
    }

    @Test
    void everyEventType_roundTrips_andCarriesItsFixedTypeName() throws Exception {
        List<MeshEvent> all = List.of(
                new MeshEvent.RunStart(1, "r", null, null, "t", TS, List.of(), "wf", "task"),
                new MeshEvent.StepStart(2, "r", "s", "n", "t", TS, List.of("n"), "a", "agent", "in", 1),
                new MeshEvent.TokenDelta(3, "r", "s", "n", "t", TS, List.of("n"), "a", "x"),
                new MeshEvent.ToolCall(
                        4, "r", "s", "n", "t", TS, List.of("n"), "a", "c1", "tool", MeshJson.parse("{\"q\":1}")),
                new MeshEvent.ToolResult(5, "r", "s", "n", "t", TS, List.of("n"), "a", "c1", "tool", "ok", false, 3),
                new MeshEvent.StepEnd(
                        6,
                        "r",
                        "s",
                        "n",
                        "t",
                        TS,
                        List.of("n"),
                        "a",
                        "COMMIT",
                        "",
                        "",
                        "out",
                        false,
                        10,
                        0.01,
                        5,
                        0.5,
                        "UNKNOWN"),
                new MeshEvent.RunPaused(
                        7, "r", "s", "n", "t", TS, List.of("n"), "review", "needs a human", List.of("p1")),
                new MeshEvent.RunBlocked(8, "r", "s", "n", "t", TS, List.of("n"), "max_cost", "over budget"),
                new MeshEvent.ErrorEvent(9, "r", "s", "n", "t", TS, List.of("n"), "StepFailedException", "boom"),
                new MeshEvent.RunEnd(10, "r", null, null, "t", TS, List.of(), "COMPLETED", "out", 1, 10, 0.01, 5, null),
                new MeshEvent.MemoryRecalled(
                        11,
                        "r",
                        "s",
                        "n",
                        "t",
                        TS,
                        List.of("n"),
                        "a",
                        "t/a/*",
                        "how was it paid?",
                        List.of(new MeshEvent.Recalled("m1", "paid by transfer", 0.71))));

        for (MeshEvent event : all) {
            JsonNode tree = MeshJson.parse(MeshJson.write(event));
            assertThat(tree.path("type").asText()).isEqualTo(event.type().name());
            assertThat(tree.has("run_id")
                            && tree.has("step_id")
                            && tree.has("node_id")
                            && tree.has("tenant_id")
                            && tree.has("ts"))
                    .as(event.type() + " carries the common fields")
                    .isTrue();
            assertThat(MeshJson.mapper().readValue(MeshJson.write(event), MeshEvent.class))
                    .isEqualTo(event);
        }
        assertThat(all).extracting(MeshEvent::type).containsExactlyInAnyOrder(EventType.values());
    }
}
