package io.meshflow.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import java.util.List;
import org.junit.jupiter.api.Test;

class TfIdfEmbeddingsTest {

    @Test
    void sharedRareWords_scoreHigherThanUnrelatedText() {
        TfIdfEmbeddings tfidf = new TfIdfEmbeddings();
        List<float[]> v = tfidf.embed(List.of(
                "The invoice for March was paid by bank transfer.",
                "Invoices are paid by transfer within 30 days.",
                "The cat sat on the warm windowsill."));
        assertThat(v.get(0)).hasSize(TfIdfEmbeddings.DEFAULT_DIMENSION);
        assertThat(Vectors.cosine(v.get(0), v.get(1))).isGreaterThan(0.3);
        assertThat(Vectors.cosine(v.get(0), v.get(2))).isLessThan(0.05);
    }

    @Test
    void terms_dropStopWordsAccentsAndPlurals() {
        assertThat(TfIdfEmbeddings.terms("The Cafés are OPEN, and the invoices too!"))
                .containsExactly("cafe", "open", "invoice", "too");
    }

    @Test
    void textWithoutWords_isRejectedNamingIt() {
        assertThatThrownBy(() -> new TfIdfEmbeddings().embed(List.of("fine text", "  ?! the ")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("text 2 of 2 has no words");
    }
}
