package io.meshflow.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryStoreTest {

    /** Twenty varied observations; the keyword cases below share words with exactly one of them. */
    static final List<String> ENTRIES = List.of(
            "The customer's router is a Fritz!Box 7590 installed in 2021.",
            "Invoice 4471 for the March consulting work was paid late by 12 days.",
            "The production database runs PostgreSQL 15 on two replicas.",
            "Anna from legal prefers contracts to be sent as PDF, never as Word files.",
            "The office in Lyon closes early on Fridays at 3 pm.",
            "Our largest client, Northwind, renews its licence every January.",
            "The mobile app crashes on Android 12 when the camera permission is denied.",
            "Shipping to Norway takes five to seven business days.",
            "The marketing budget for Q3 was cut by 20 percent.",
            "The CEO will present the roadmap at the all-hands meeting on Tuesday.",
            "Password resets are handled by the identity team, not support.",
            "The staging server certificate expires on 30 November.",
            "Customers in Germany must receive invoices with a VAT number.",
            "The warehouse in Rotterdam stores the spare parts for the X200 printer.",
            "Refunds above 500 euros need approval from the finance director.",
            "The new hire, Tomás, starts on the data team next Monday.",
            "Our API rate limit is 100 requests per minute per key.",
            "The quarterly security audit found two outdated TLS ciphers.",
            "Lunch for the offsite will be catered by a vegetarian restaurant.",
            "The backup job runs every night at 2 am and keeps 30 days of snapshots.");

    private static final MemoryScope SCOPE = MemoryScope.agent("acme", "assistant");

    @Test
    void tfIdf_keywordOverlapQueries_rankTheirEntryFirst() {
        MemoryStore store = MemoryStore.inMemory(new TfIdfEmbeddings());
        ENTRIES.forEach(e -> store.add(SCOPE, e));
        assertThat(store.entries(SCOPE)).hasSize(20);

        assertThat(store.retrieveRelevant(SCOPE, "when does the staging certificate expire?", 3)
                        .get(0)
                        .text())
                .isEqualTo(ENTRIES.get(11));
        assertThat(store.retrieveRelevant(SCOPE, "refunds approval finance")
                        .get(0)
                        .text())
                .isEqualTo(ENTRIES.get(14));
        assertThat(store.retrieveRelevant(SCOPE, "what is the API rate limit?")
                        .get(0)
                        .text())
                .isEqualTo(ENTRIES.get(16));
        List<Memory> backup = store.retrieveRelevant(SCOPE, "how many snapshots does the nightly backup keep", 5);
        assertThat(backup.get(0).text()).isEqualTo(ENTRIES.get(19));
        assertThat(backup.get(0).score())
                .isGreaterThan(backup.size() > 1 ? backup.get(1).score() : 0);
    }

    @Test
    void tfIdf_paraphraseWithoutSharedWords_findsNothingRelevant() {
        // the limit of keyword embeddings, which the MiniLM module's paraphrase test overcomes
        MemoryStore store = MemoryStore.inMemory(new TfIdfEmbeddings());
        ENTRIES.forEach(e -> store.add(SCOPE, e));
        assertThat(store.retrieveRelevant(SCOPE, "which modem does the client use at home?", 3))
                .extracting(Memory::text)
                .doesNotContain(ENTRIES.get(0));
    }

    @Test
    void keywordOnly_matchesBySharedWords_withoutEmbeddings() {
        MemoryStore store = MemoryStore.builder().keywordOnly().build();
        ENTRIES.forEach(e -> store.add(SCOPE, e));
        assertThat(store.embeddings()).isNull();
        List<Memory> found = store.retrieveRelevant(SCOPE, "Rotterdam spare parts", 2);
        assertThat(found.get(0).text()).isEqualTo(ENTRIES.get(13));
        assertThat(found.get(0).score()).isEqualTo(1.0);
        assertThat(store.retrieveRelevant(SCOPE, "zebra", 2)).isEmpty();
    }

    @Test
    void scopes_areIsolated_byTenantAgentAndRun() {
        MemoryStore store = MemoryStore.inMemory(new TfIdfEmbeddings());
        store.add(MemoryScope.agent("acme", "a"), "The vault code is kept by Maria.");
        assertThat(store.retrieveRelevant(MemoryScope.agent("globex", "a"), "vault code Maria"))
                .isEmpty();
        assertThat(store.retrieveRelevant(MemoryScope.agent("acme", "b"), "vault code Maria"))
                .isEmpty();
        assertThat(store.retrieveRelevant(MemoryScope.run("acme", "a", "r1"), "vault code Maria"))
                .isEmpty();
        assertThat(store.retrieveRelevant(MemoryScope.agent("acme", "a"), "vault code Maria"))
                .extracting(Memory::text)
                .containsExactly("The vault code is kept by Maria.");
    }

    @Test
    void add_purifiesBoilerplate_andSkipsDuplicates() {
        MemoryStore store = MemoryStore.inMemory(new TfIdfEmbeddings());
        assertThat(store.add(
                        SCOPE,
                        "Sure! The build server is called Hermes.\nLet me know if you need more.\nCONFIDENCE: 0.9"))
                .get()
                .extracting(Memory::text)
                .isEqualTo("The build server is called Hermes.");
        assertThat(store.add(SCOPE, "the build server is called   Hermes.")).isEmpty();
        assertThat(store.add(SCOPE, "I hope this helps!")).isEmpty();
        assertThat(store.entries(SCOPE)).hasSize(1);
    }

    @Test
    void nearDuplicates_areMerged_newerTextWins() {
        MemoryStore store = MemoryStore.builder()
                .embeddings(new TfIdfEmbeddings())
                .mergeThreshold(0.8)
                .build();
        Memory first =
                store.add(SCOPE, "Deploys happen on Thursday afternoons.").orElseThrow();
        Memory second =
                store.add(SCOPE, "Deploys happen on Thursday afternoons!!").orElseThrow();
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(store.entries(SCOPE))
                .extracting(Memory::text)
                .containsExactly("Deploys happen on Thursday afternoons!!");
    }

    @Test
    void consolidate_summarisesOldEntries_keepingRecentOnes() {
        MemoryStore store = MemoryStore.inMemory(new TfIdfEmbeddings());
        ENTRIES.subList(0, 6).forEach(e -> store.add(SCOPE, e));
        int left = store.consolidate(
                SCOPE,
                old -> "Summary of " + old.size() + " notes: "
                        + String.join(" ", old).substring(0, 40),
                2);
        assertThat(left).isEqualTo(3);
        List<Memory> entries = store.entries(SCOPE);
        assertThat(entries.get(0).text()).startsWith("Summary of 4 notes: The customer's router");
        assertThat(store.retrieveRelevant(SCOPE, "Northwind licence renewal", 1)
                        .get(0)
                        .text())
                .isEqualTo(ENTRIES.get(5));
    }
}
