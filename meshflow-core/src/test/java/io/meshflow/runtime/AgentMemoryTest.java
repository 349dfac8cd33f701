package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunRequest;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.event.MeshEvent;
import io.meshflow.ledger.InMemoryLedger;
import io.meshflow.ledger.RunStatus;
import io.meshflow.ledger.StepRecord;
import io.meshflow.memory.Memory;
import io.meshflow.memory.MemoryConfig;
import io.meshflow.memory.MemoryScope;
import io.meshflow.memory.MemoryStore;
import io.meshflow.memory.TfIdfEmbeddings;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.WorkflowDefinition;
import io.meshflow.workflow.yaml.WorkflowFile;
import io.meshflow.workflow.yaml.WorkflowLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentMemoryTest {

    @Test
    void committedOutput_isRemembered_andRecalledIntoTheNextRunsPrompt_recordedWithTheStep() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent(
                        "support",
                        "Sure! The customer's invoice 4471 was paid by bank transfer on 3 March.\nCONFIDENCE: 0.9",
                        "Noted.")
                .build();
        Agent support = Agent.builder("support").memory(MemoryConfig.on(3)).build();
        WorkflowDefinition wf = Team.sequential("support", support);
        InMemoryLedger ledger = new InMemoryLedger();
        MemoryStore memory = MemoryStore.inMemory(new TfIdfEmbeddings());
        List<MeshEvent> events = Collections.synchronizedList(new ArrayList<>());
        Mesh mesh = Mesh.builder()
                .tenantId("acme")
                .provider(model)
                .ledger(ledger)
                .memory(memory)
                .workflow(wf)
                .build();

        RunResult first = mesh.run("Look up invoice 4471");
        RunResult second = mesh.run(RunRequest.builder("How was invoice 4471 paid?")
                .workflow(wf)
                .sink(events::add)
                .build());

        assertThat(first.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(second.status()).isEqualTo(RunStatus.COMPLETED);
        // remembered after the first step committed, purified
        assertThat(memory.entries(MemoryScope.agent("acme", "support")))
                .extracting(Memory::text)
                .containsExactly("The customer's invoice 4471 was paid by bank transfer on 3 March.", "Noted.");
        // the second prompt carried the memory, and the step's recorded input is that prompt
        List<LlmRequest> requests = model.requests();
        String secondPrompt = requests.get(1).lastUserText();
        assertThat(secondPrompt).startsWith("""
                        Relevant memories from earlier steps (most relevant first):
                        - The customer's invoice 4471 was paid by bank transfer on 3 March.
                        """).endsWith("\n\nHow was invoice 4471 paid?");
        StepRecord step = ledger.steps("acme", second.runId()).get(0);
        assertThat(step.inputTask()).isEqualTo(secondPrompt);
        // and an event says what was recalled, for which query
        MeshEvent.MemoryRecalled recalled = events.stream()
                .filter(e -> e instanceof MeshEvent.MemoryRecalled)
                .map(e -> (MeshEvent.MemoryRecalled) e)
                .findFirst()
                .orElseThrow();
        assertThat(recalled.stepId()).isEqualTo(step.stepId());
        assertThat(recalled.query()).isEqualTo("How was invoice 4471 paid?");
        assertThat(recalled.scope()).isEqualTo("acme/support/*");
        assertThat(recalled.memories()).hasSize(1);
        assertThat(recalled.memories().get(0).score()).isGreaterThan(0.2);
        // the first run's prompt had nothing to recall
        assertThat(requests.get(0).lastUserText()).isEqualTo("Look up invoice 4471");
    }

    @Test
    void agentWithoutMemory_neitherRecallsNorRemembers() {
        ScriptedProvider model =
                ScriptedProvider.builder().fallback("The vault code is 1234.").build();
        MemoryStore memory = MemoryStore.inMemory(new TfIdfEmbeddings());
        Mesh mesh = Mesh.builder()
                .provider(model)
                .memory(memory)
                .workflow(Team.sequential("plain", Agent.builder("plain").build()))
                .build();
        mesh.run("vault code?");
        mesh.run("vault code?");
        assertThat(memory.entries(MemoryScope.agent("default", "plain"))).isEmpty();
        assertThat(model.requests().get(1).lastUserText()).isEqualTo("vault code?");
    }

    @Test
    void runScope_forgetsBetweenRuns_tenantScope_sharesBetweenAgents() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent("a", "The parking garage code is 5512.")
                .forAgent("b", "ok")
                .forAgent("r", "The parking garage code is 5512.", "ok")
                .build();
        MemoryStore memory = MemoryStore.inMemory(new TfIdfEmbeddings());
        Agent a = Agent.builder("a")
                .memory(MemoryConfig.on().withScope(MemoryConfig.Scope.TENANT))
                .build();
        Agent b = Agent.builder("b")
                .memory(MemoryConfig.on().withScope(MemoryConfig.Scope.TENANT))
                .build();
        Agent r = Agent.builder("r")
                .memory(MemoryConfig.on().withScope(MemoryConfig.Scope.RUN))
                .build();
        Mesh mesh = Mesh.builder().provider(model).memory(memory).build();

        mesh.run(Team.sequential("ab", a, b), "parking garage code");
        mesh.run(Team.sequential("r1", r), "parking garage code");
        mesh.run(Team.sequential("r2", r), "parking garage code");

        List<String> prompts =
                model.requests().stream().map(LlmRequest::lastUserText).toList();
        assertThat(prompts.get(1)).contains("- The parking garage code is 5512."); // b recalls a's memory
        assertThat(prompts.get(3)).doesNotContain("Relevant memories"); // a new run, a new RUN scope
    }

    @Test
    void yamlMemorySettings_configureTheAgent() {
        WorkflowFile file = WorkflowLoader.builder().build().load("""
                        name: mem
                        agents:
                          - id: a
                            memory: {enabled: true, k: 7, scope: run}
                          - id: b
                            memory: true
                          - id: c
                        nodes:
                          - {id: n1, type: agent, agent: a}
                          - {id: n2, type: agent, agent: b}
                          - {id: n3, type: agent, agent: c}
                        edges:
                          - {from: n1, to: n2}
                          - {from: n2, to: n3}
                        """, "mem.yaml");
        List<Agent> agents = file.workflow().nodes().values().stream()
                .map(n -> ((io.meshflow.workflow.AgentNode) n).agent())
                .toList();
        assertThat(agents.get(0).memory()).isEqualTo(new MemoryConfig(true, 7, MemoryConfig.Scope.RUN));
        assertThat(agents.get(1).memory()).isEqualTo(MemoryConfig.on());
        assertThat(agents.get(2).memory().enabled()).isFalse();

        assertThat(WorkflowLoader.builder().build().validate("""
                                name: mem
                                agents:
                                  - id: a
                                    memory: {k: 0, scope: galaxy, colour: red}
                                nodes:
                                  - {id: n1, type: agent, agent: a}
                                """, "bad.yaml"))
                .anySatisfy(p -> assertThat(p).contains("scope must be agent, run or tenant, got 'galaxy'"))
                .anySatisfy(p -> assertThat(p).contains("colour"));
    }
}
