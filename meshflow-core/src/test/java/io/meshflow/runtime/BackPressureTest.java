package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunHandle;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.event.EventType;
import io.meshflow.event.MeshEvent;
import io.meshflow.ledger.RunStatus;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.WorkflowDefinition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackPressureTest {

    private static final String REPLY = "word ".repeat(200).trim();

    private static WorkflowDefinition team() {
        return Team.sequential("talk", Agent.builder("a").maxTokens(4000).build());
    }

    @Test
    void slowConsumer_withTinyBuffer_losesNoDelta() throws Exception {
        ScriptedProvider model = ScriptedProvider.builder().fallback(REPLY).build();
        Mesh mesh = Mesh.builder().provider(model).streamBuffer(2).build();

        RunHandle handle = mesh.stream(team(), "talk");
        StringBuilder text = new StringBuilder();
        int deltas = 0;
        for (MeshEvent event : handle) {
            if (event instanceof MeshEvent.TokenDelta d) {
                text.append(d.text());
                deltas++;
                if (deltas % 50 == 0) {
                    Thread.sleep(20); // the producer must wait for us, not drop
                }
            }
        }

        assertThat(handle.isDetached()).isFalse();
        assertThat(deltas).isEqualTo(200);
        assertThat(text.toString()).isEqualTo(REPLY);
        assertThat(handle.result().status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void stuckConsumer_isDetached_andTheRunGoesOnAndIsRecorded() {
        ScriptedProvider model = ScriptedProvider.builder().fallback(REPLY).build();
        Mesh mesh = Mesh.builder()
                .provider(model)
                .streamBuffer(4)
                .streamStuckTimeout(Duration.ofMillis(100))
                .build();

        RunHandle handle = mesh.stream(team(), "talk");
        // never read: the run must still finish
        RunResult result = handle.result();

        assertThat(result.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(result.output()).isEqualTo(REPLY);
        assertThat(handle.isDetached()).isTrue();
        assertThat(mesh.ledger().run("default", result.runId()).orElseThrow().status())
                .isEqualTo(RunStatus.COMPLETED);
        List<MeshEvent> rest = new ArrayList<>();
        handle.forEach(rest::add);
        assertThat(rest).isEmpty();
    }

    @Test
    void cancel_interruptsTheRun_andEndsItCancelled() {
        ScriptedProvider slow = ScriptedProvider.builder()
                .fallback(REPLY)
                .tokenDelay(Duration.ofMillis(20))
                .build();
        Mesh mesh = Mesh.builder().provider(slow).build();

        RunHandle handle = mesh.stream(team(), "talk");
        Iterator<MeshEvent> events = handle.iterator();
        List<EventType> seen = new ArrayList<>();
        while (events.hasNext()) {
            MeshEvent event = events.next();
            seen.add(event.type());
            if (event.type() == EventType.TOKEN_DELTA
                    && seen.stream().filter(t -> t == EventType.TOKEN_DELTA).count() == 3) {
                handle.cancel();
            }
        }
        RunResult result = handle.result();

        assertThat(result.status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(seen.get(seen.size() - 1)).isEqualTo(EventType.RUN_END);
        assertThat(seen.stream().filter(t -> t == EventType.TOKEN_DELTA).count())
                .isLessThan(20);
        assertThat(result.steps())
                .singleElement()
                .satisfies(s -> assertThat(s.verdict().reason()).isEqualTo("cancelled"));
    }

    @Test
    void iteratingTwice_isRefused() {
        Mesh mesh = Mesh.builder()
                .provider(ScriptedProvider.builder().fallback("hi").build())
                .build();
        RunHandle handle = mesh.stream(team(), "x");
        assertThat(handle.iterator()).isNotNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(handle::iterator)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("only once");
        assertThat(handle.result().status()).isEqualTo(RunStatus.COMPLETED);
    }
}
