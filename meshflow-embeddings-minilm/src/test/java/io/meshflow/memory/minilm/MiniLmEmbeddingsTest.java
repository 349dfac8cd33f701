package io.meshflow.memory.minilm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import io.meshflow.memory.EmbeddingProviders;
import io.meshflow.memory.Memory;
import io.meshflow.memory.MemoryScope;
import io.meshflow.memory.MemoryStore;
import io.meshflow.memory.TfIdfEmbeddings;
import io.meshflow.memory.Vectors;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MiniLmEmbeddingsTest {

    /** Twenty varied observations. */
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
    private static MemoryStore store;

    @BeforeAll
    static void remember() {
        store = MemoryStore.inMemory(new MiniLmEmbeddings());
        ENTRIES.forEach(e -> store.add(SCOPE, e));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "which modem does the client use at home?|0",
                "How long is delivery to Scandinavia?|7",
                "Who must sign off a large reimbursement?|14",
                "When does the pre-production SSL cert run out?|11",
                "Which phone breaks down if photo access is refused?|6",
                "Who helps if somebody forgot their login?|10"
            })
    void paraphrasedQuery_withNoSharedWord_recallsItsEntryFirst(String query, int target) {
        Set<String> shared = new HashSet<>(TfIdfEmbeddings.terms(query));
        shared.retainAll(TfIdfEmbeddings.terms(ENTRIES.get(target)));
        assertThat(shared).as("the query shares no word with its target").isEmpty();

        List<Memory> found = store.retrieveRelevant(SCOPE, query, 3);

        assertThat(found.get(0).text()).isEqualTo(ENTRIES.get(target));
        assertThat(found.get(0).score()).isGreaterThan(found.get(1).score());
    }

    @Test
    void isTheInstalledDefault_with384Dimensions() {
        assertThat(EmbeddingProviders.defaultProvider()).isInstanceOf(MiniLmEmbeddings.class);
        assertThat(EmbeddingProviders.defaultProvider()).isSameAs(EmbeddingProviders.defaultProvider());
        float[] v = new MiniLmEmbeddings().embed("A sentence.");
        assertThat(v).hasSize(384);
    }

    @Test
    void paraphrases_scoreFarAboveUnrelatedSentences() {
        List<float[]> v = new MiniLmEmbeddings()
                .embed(List.of(
                        "The meeting was moved to next week.",
                        "We postponed the appointment by seven days.",
                        "Bananas are rich in potassium."));
        assertThat(Vectors.cosine(v.get(0), v.get(1))).isGreaterThan(0.4);
        assertThat(Vectors.cosine(v.get(0), v.get(2))).isLessThan(0.15);
    }

    @Test
    void blankText_isRejected() {
        assertThatThrownBy(() -> new MiniLmEmbeddings().embed(List.of("ok", " ")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("text 2 of 2 is blank");
    }
}
