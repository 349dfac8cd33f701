package io.meshflow.ledger.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.Mesh;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.ledger.LedgerException;
import io.meshflow.ledger.RunStatus;
import io.meshflow.memory.Memory;
import io.meshflow.memory.MemoryConfig;
import io.meshflow.memory.MemoryScope;
import io.meshflow.memory.MemoryStore;
import io.meshflow.memory.TfIdfEmbeddings;
import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.WorkflowDefinition;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The agents' memory kept in the JDBC ledger: it outlives the mesh (and the process) that remembered it, stays within
 * its tenant, and goes with the runs it came from when they are erased.
 */
@ParameterizedClass
@EnumSource(Backend.class)
class AgentMemoryLedgerIT extends LedgerTestBase {
    private static final String ROUTER = "The customer's router is a Fritz!Box 7590 on firmware 7.57.";

    private static final Agent SUPPORT =
            Agent.builder("support").memory(MemoryConfig.on(3)).build();
    private static final WorkflowDefinition WORKFLOW = Team.sequential("support", SUPPORT);

    /** A mesh as {@code meshflow run} builds one: on a freshly opened ledger, with the memory the mesh creates. */
    private Mesh mesh(JdbcLedger ledger, String tenant, ScriptedProvider model) {
        return Mesh.builder()
                .tenantId(tenant)
                .ledger(ledger)
                .provider(model)
                .embeddingProvider(new TfIdfEmbeddings())
                .workflow(WORKFLOW)
                .build();
    }

    private RunResult remember(JdbcLedger ledger, String tenant) {
        RunResult first = mesh(
                        ledger,
                        tenant,
                        ScriptedProvider.builder().fallback(ROUTER).build())
                .run("Which router does the customer use?");
        assertThat(first.status()).isEqualTo(RunStatus.COMPLETED);
        return first;
    }

    /** The prompt the support agent received in a second run, through a second ledger on the same database. */
    private String promptOfASecondRun(String tenant) {
        ScriptedProvider model = ScriptedProvider.builder().fallback("Noted.").build();
        RunResult second = mesh(open(), tenant, model).run("What firmware is the router on?");
        assertThat(second.status()).isEqualTo(RunStatus.COMPLETED);
        return model.requests().get(0).lastUserText();
    }

    @Test
    void aSecondMeshOnAnotherConnection_recallsWhatTheFirstRemembered() throws Exception {
        JdbcLedger first = open();
        RunResult run = remember(first, "acme");
        first.close();

        String prompt = promptOfASecondRun("acme");

        assertThat(prompt).startsWith("Relevant memories from earlier steps").contains(ROUTER);
        List<Memory> stored = MemoryStore.builder()
                .embeddings(new TfIdfEmbeddings())
                .storage(open())
                .build()
                .entries(MemoryScope.agent("acme", "support"));
        // the second run remembered its own output after the first's
        assertThat(stored).extracting(Memory::text).containsExactly(ROUTER, "Noted.");
        assertThat(db.queryString(
                        "SELECT s.run_id FROM agent_memory_sources s JOIN agent_memories m"
                                + " ON m.tenant_id = s.tenant_id AND m.memory_id = s.memory_id WHERE m.text = ?",
                        ROUTER))
                .isEqualTo(run.runId());
    }

    @Test
    void anotherTenant_onTheSameLedger_recallsNothing() throws Exception {
        remember(open(), "acme");

        assertThat(promptOfASecondRun("globex")).isEqualTo("What firmware is the router on?");
        assertThat(MemoryStore.builder()
                        .embeddings(new TfIdfEmbeddings())
                        .storage(open())
                        .build()
                        .retrieveRelevant(MemoryScope.agent("globex", "support"), "router firmware"))
                .isEmpty();
    }

    @Test
    void deletingTheRun_erasesItsMemories_countsThemOnTheReceipt_andACachedStoreForgetsThemToo() throws Exception {
        JdbcLedger ledger = open();
        RunResult run = remember(ledger, "acme");
        RunResult other = remember(ledger, "globex");
        MemoryStore cached = MemoryStore.builder()
                .embeddings(new TfIdfEmbeddings())
                .storage(ledger)
                .build();
        assertThat(cached.entries(MemoryScope.agent("acme", "support"))).hasSize(1);

        ErasureReceipt receipt = open().deleteRun("acme", run.runId(), "admin", "GDPR request 7");

        assertThat(receipt.memories()).isEqualTo(1);
        assertThat(ledger.erasures("acme")).extracting(ErasureReceipt::memories).containsExactly(1L);
        // the other connection erased it: the cached scope's revision changed, so it reloads
        assertThat(cached.entries(MemoryScope.agent("acme", "support"))).isEmpty();
        assertThat(promptOfASecondRun("acme")).doesNotContain(ROUTER);
        assertThat(db.queryString("SELECT COUNT(*) FROM agent_memory_sources WHERE run_id = ?", run.runId()))
                .isEqualTo("0");
        // another tenant's memory of the same text stays
        assertThat(cached.entries(MemoryScope.agent("globex", "support")))
                .extracting(Memory::text)
                .containsExactly(ROUTER);
        assertThat(ledger.run("globex", other.runId())).isPresent();
    }

    @Test
    void anonymisingTheRun_andDeletingTheTenant_eraseItsMemoriesToo() throws Exception {
        JdbcLedger ledger = open();
        RunResult run = remember(ledger, "acme");
        MemoryStore store = MemoryStore.builder()
                .embeddings(new TfIdfEmbeddings())
                .storage(ledger)
                .build();
        store.add(MemoryScope.tenant("acme"), "Parcels go out on Mondays.", null);

        assertThat(ledger.anonymizeRun("acme", run.runId(), "admin", null).memories())
                .isEqualTo(1);
        assertThat(store.entries(MemoryScope.agent("acme", "support"))).isEmpty();
        assertThat(store.entries(MemoryScope.tenant("acme"))).hasSize(1);

        assertThat(ledger.deleteTenant("acme", "admin", null).memories()).isEqualTo(1);
        assertThat(store.entries(MemoryScope.tenant("acme"))).isEmpty();
        assertThat(db.queryString("SELECT COUNT(*) FROM agent_memory_scopes WHERE tenant_id = 'acme'"))
                .isEqualTo("0");
    }

    @Test
    void meshForgetRun_onTheLedger_erasesWithoutAReceipt_inEveryProcessesView() throws Exception {
        JdbcLedger ledger = open();
        RunResult run = remember(ledger, "acme");
        Mesh other =
                mesh(open(), "acme", ScriptedProvider.builder().fallback("-").build());
        assertThat(other.memory().entries(MemoryScope.agent("acme", "support"))).hasSize(1);

        assertThat(mesh(ledger, "acme", ScriptedProvider.builder().fallback("-").build())
                        .forgetRun("acme", run.runId()))
                .isEqualTo(1);

        assertThat(other.memory().entries(MemoryScope.agent("acme", "support"))).isEmpty();
        assertThat(ledger.erasures("acme")).isEmpty();
        assertThat(ledger.run("acme", run.runId())).isPresent();
    }

    @Test
    void twoStoresWritingOneScope_eachSeesTheOthersMemories() throws Exception {
        MemoryScope scope = MemoryScope.agent("acme", "support");
        MemoryStore a = MemoryStore.builder()
                .embeddings(new TfIdfEmbeddings())
                .storage(open())
                .build();
        MemoryStore b = MemoryStore.builder()
                .embeddings(new TfIdfEmbeddings())
                .storage(open())
                .build();

        a.add(scope, "Invoice 4471 was paid by transfer.", "r1");
        b.add(scope, "The office closes at six.", "r2");
        a.add(scope, "Parcels go out on Mondays.", "r3");

        assertThat(b.entries(scope))
                .extracting(Memory::text)
                .containsExactly(
                        "Invoice 4471 was paid by transfer.",
                        "The office closes at six.",
                        "Parcels go out on Mondays.");
        assertThat(b.retrieveRelevant(scope, "how was invoice 4471 paid", 1))
                .extracting(Memory::text)
                .containsExactly("Invoice 4471 was paid by transfer.");
        // a repeat seen by the other store is not stored twice
        assertThat(b.add(scope, "Parcels go out on Mondays.", "r4")).isEmpty();
        assertThat(db.queryString("SELECT COUNT(*) FROM agent_memories")).isEqualTo("3");
    }

    @Test
    void anotherEmbeddingModel_reEmbedsTheStoredMemories_andStillRecalls() throws Exception {
        MemoryScope scope = MemoryScope.agent("acme", "support");
        MemoryStore.builder()
                .embeddings(new TfIdfEmbeddings())
                .storage(open())
                .build()
                .add(scope, "Invoice 4471 was paid by transfer.", "r1");

        MemoryStore smaller = MemoryStore.builder()
                .embeddings(new TfIdfEmbeddings(64))
                .storage(open())
                .build();

        assertThat(smaller.retrieveRelevant(scope, "invoice 4471", 1))
                .extracting(Memory::text)
                .containsExactly("Invoice 4471 was paid by transfer.");
        assertThat(db.queryString("SELECT embedding_model FROM agent_memories"))
                .isEqualTo(new TfIdfEmbeddings(64).modelName());
    }

    @Test
    void aWriteToAClosedLedger_failsClearly_andLosesNothingAlreadyStored() throws Exception {
        MemoryScope scope = MemoryScope.agent("acme", "support");
        JdbcLedger ledger = open();
        MemoryStore store = MemoryStore.builder()
                .embeddings(new TfIdfEmbeddings())
                .storage(ledger)
                .build();
        store.add(scope, "Invoice 4471 was paid by transfer.", "r1");
        ledger.close();

        assertThatThrownBy(() -> store.add(scope, "The office closes at six.", "r2"))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("is closed");

        assertThat(MemoryStore.builder()
                        .embeddings(new TfIdfEmbeddings())
                        .storage(open())
                        .build()
                        .entries(scope))
                .extracting(Memory::text)
                .containsExactly("Invoice 4471 was paid by transfer.");
    }
}
