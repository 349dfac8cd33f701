package io.meshflow.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.WorkflowDefinition;
import org.junit.jupiter.api.Test;

/** Erasing a run or a tenant (GDPR) forgets what it left in the agents' memory. */
class MemoryErasureTest {

    @Test
    void forgetRun_removesTheRunsScopes_andWhatItAddedMergedOrRepeatedElsewhere_only() {
        MemoryStore store = MemoryStore.inMemory(new TfIdfEmbeddings());
        MemoryScope agent = MemoryScope.agent("acme", "support");
        store.add(agent, "Jane Roe's invoice 4471 was paid on 3 March.", "run-1");
        store.add(agent, "The office closes at six.", "run-2");
        store.add(agent, "The office closes at six.", "run-1"); // run-1 said it too
        store.add(MemoryScope.run("acme", "support", "run-1"), "Jane Roe asked twice.", "run-1");
        store.add(MemoryScope.agent("globex", "support"), "Jane Roe's invoice 4471 was paid on 3 March.", "run-1");
        store.add(agent, "Parcels go out on Mondays.", null);

        int forgotten = store.forgetRun("acme", "run-1");

        assertThat(forgotten).isEqualTo(3);
        assertThat(store.entries(agent)).extracting(Memory::text).containsExactly("Parcels go out on Mondays.");
        assertThat(store.entries(MemoryScope.run("acme", "support", "run-1"))).isEmpty();
        assertThat(store.retrieveRelevant(agent, "invoice 4471 Jane Roe"))
                .extracting(Memory::text)
                .doesNotContain("Jane Roe's invoice 4471 was paid on 3 March.");
        // another tenant is never touched by this tenant's erasure
        assertThat(store.entries(MemoryScope.agent("globex", "support"))).hasSize(1);
    }

    @Test
    void forgetTenant_removesEveryScopeOfTheTenant_andNoOther() {
        MemoryStore store = MemoryStore.inMemory(new TfIdfEmbeddings());
        store.add(MemoryScope.agent("acme", "a"), "acme fact one", "r1");
        store.add(MemoryScope.tenant("acme"), "acme fact two", null);
        store.add(MemoryScope.agent("globex", "a"), "globex fact", "r2");

        assertThat(store.forgetTenant("acme")).isEqualTo(2);
        assertThat(store.entries(MemoryScope.agent("acme", "a"))).isEmpty();
        assertThat(store.entries(MemoryScope.tenant("acme"))).isEmpty();
        assertThat(store.entries(MemoryScope.agent("globex", "a"))).hasSize(1);
        assertThat(store.forgetTenant("nobody")).isZero();
    }

    @Test
    void meshForgetRun_forgetsWhatAnAgentRememberedInThatRun_keepingOtherRuns() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent("support", "Invoice 4471 of Jane Roe was paid by transfer.", "Invoice 5000 is overdue.")
                .build();
        Agent support = Agent.builder("support").memory(MemoryConfig.on(3)).build();
        WorkflowDefinition wf = Team.sequential("support", support);
        MemoryStore memory = MemoryStore.inMemory(new TfIdfEmbeddings());
        Mesh mesh = Mesh.builder()
                .tenantId("acme")
                .provider(model)
                .memory(memory)
                .workflow(wf)
                .build();
        RunResult first = mesh.run("Look up invoice 4471");
        mesh.run("Look up invoice 5000");

        assertThat(mesh.forgetRun("acme", first.runId())).isEqualTo(1);

        assertThat(memory.entries(MemoryScope.agent("acme", "support")))
                .extracting(Memory::text)
                .containsExactly("Invoice 5000 is overdue.");
        assertThat(Mesh.builder().build().forgetRun("acme", first.runId())).isZero();
    }
}
