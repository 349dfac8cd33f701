package io.meshflow.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import io.meshflow.memory.InMemoryVectorIndex;
import io.meshflow.memory.RetrievedChunk;
import io.meshflow.memory.TfIdfEmbeddings;
import io.meshflow.memory.minilm.MiniLmEmbeddings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DocumentStoreTest {

    /** Ten short documents on different subjects. */
    static final List<Document> DOCS = List.of(
            Document.of("refunds.md", "Refunds are paid back to the original card within five working days."),
            Document.of("holidays.md", "Staff get twenty-six days of annual leave plus public holidays."),
            Document.of("security.md", "Laptops must use full-disk encryption and lock after five idle minutes."),
            Document.of("expenses.md", "Train tickets and hotel nights are reimbursed with a receipt."),
            Document.of("onboarding.md", "New employees receive their badge and laptop on the first morning."),
            Document.of("parking.md", "The car park under the building has forty spaces for visitors."),
            Document.of("outage.md", "During an incident the on-call engineer posts updates every thirty minutes."),
            Document.of("printing.md", "The colour printer on floor two needs a PIN from the front desk."),
            Document.of("canteen.md", "The canteen serves a vegetarian dish every weekday at noon."),
            Document.of("wifi.md", "Guests join the wireless network called Visitors with the code on the wall."));

    private static DocumentStore store;

    @BeforeAll
    static void ingest() {
        store = DocumentStore.inMemory(new MiniLmEmbeddings());
        assertThat(store.ingest(DOCS, Map.of("collection", "handbook"))).isEqualTo(10);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "How fast do I get my money back after returning something?|refunds.md",
                "How much vacation time do workers have?|holidays.md",
                "Can I claim my travel costs?|expenses.md",
                "What happens on someone's first day at the company?|onboarding.md",
                "Is there a garage where people who come to see us can stop their automobile?|parking.md",
                "How often is status communicated while systems are down?|outage.md",
                "Is there meat-free food at lunch?|canteen.md",
                "How do visitors get internet access?|wifi.md"
            })
    void paraphrasedQuery_retrievesTheRightDocumentFirst(String query, String source) {
        List<RetrievedChunk> hits = store.retrieve(query, 3);
        assertThat(hits.get(0).source()).isEqualTo(source);
        assertThat(hits.get(0).metadata()).containsEntry("collection", "handbook");
        assertThat(hits.get(0).start()).isZero();
        assertThat(hits.get(0).end()).isEqualTo(hits.get(0).text().length());
        assertThat(hits.get(0).score()).isGreaterThan(hits.get(1).score());
    }

    @Test
    void pdfMadeInTheTest_isIngested_andRetrievable(@TempDir Path dir) throws Exception {
        Path pdf = dir.resolve("policy.pdf");
        try (PDDocument doc = new PDDocument()) {
            PDPage page = new PDPage();
            doc.addPage(page);
            try (PDPageContentStream content = new PDPageContentStream(doc, page)) {
                content.beginText();
                content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
                content.newLineAtOffset(72, 700);
                content.showText("Company bicycles may be borrowed for up to three days.");
                content.endText();
            }
            doc.save(pdf.toFile());
        }
        Document read = Documents.read(pdf);
        assertThat(read.text()).contains("Company bicycles may be borrowed for up to three days.");
        assertThat(read.metadata()).containsEntry("type", "pdf");

        DocumentStore pdfStore = DocumentStore.inMemory(new MiniLmEmbeddings());
        pdfStore.ingest(DOCS);
        pdfStore.ingest(List.of(read));
        assertThat(pdfStore.retrieve("Can I take a bike home for the weekend?", 1)
                        .get(0)
                        .source())
                .isEqualTo(pdf.toString());
    }

    @Test
    void markdownFiles_loseTheirMarkup(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.md"), "# Title\n\nSee **the** [guide](http://x/y) and `code`.\n");
        Files.writeString(dir.resolve("b.txt"), "plain");
        Files.writeString(dir.resolve("skip.bin"), "ignored");
        List<Document> docs = Documents.read(List.of(dir));
        assertThat(docs).extracting(Document::text).containsExactly("Title\n\nSee the guide and code.\n", "plain");
    }

    @Test
    void badInput_failsWithClearErrors(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> store.ingest(List.of()))
                .isInstanceOf(ValidationException.class)
                .hasMessage("no documents to ingest");
        assertThatThrownBy(() -> store.ingest(List.of(Document.of("blank.txt", "  \n "))))
                .isInstanceOf(ValidationException.class)
                .hasMessage("document 'blank.txt' has no text to ingest");
        Path empty = Files.createFile(dir.resolve("empty.pdf"));
        assertThatThrownBy(() -> Documents.read(empty))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("empty.pdf: the file is empty (0 bytes), so it is not a PDF");
        Path broken = Files.writeString(dir.resolve("broken.pdf"), "not really a pdf");
        assertThatThrownBy(() -> Documents.read(broken))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("broken.pdf: not a readable PDF");
        assertThatThrownBy(() -> Documents.read(dir.resolve("missing.txt"))).hasMessageContaining("no such file");
        assertThatThrownBy(() -> DocumentStore.create(new MiniLmEmbeddings(), new InMemoryVectorIndex(12)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("12-dimensional")
                .hasMessageContaining("384-dimensional");
        assertThatThrownBy(() -> store.index().add("x", new float[12], Map.of()))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("dimension 12");
        assertThatThrownBy(() -> store.retrieve("  ")).hasMessageContaining("blank query");
    }

    @Test
    void savedStore_reopens_andRefusesAnotherModel(@TempDir Path dir) {
        Path file = dir.resolve("kb/handbook.kb");
        store.save(file);
        DocumentStore reopened = DocumentStore.open(file, new MiniLmEmbeddings());
        assertThat(reopened.index().size()).isEqualTo(10);
        assertThat(reopened.retrieve("Can I claim my travel costs?", 1).get(0).source())
                .isEqualTo("expenses.md");
        assertThatThrownBy(() -> DocumentStore.open(file, new TfIdfEmbeddings()))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("was built with embedding model all-minilm-l6-v2-q, but tfidf-1024 is in use");
    }

    @Test
    void documentIngestedAgainWithFewerChunks_leavesNoneOfItsOldChunks() {
        TfIdfEmbeddings embeddings = new TfIdfEmbeddings();
        DocumentStore kb = DocumentStore.create(
                embeddings, new InMemoryVectorIndex(embeddings.dimension()), Chunker.fixedSize(40, 0));
        String longPolicy = "Old rule one about parking permits. ".repeat(8);
        int before = kb.ingest(List.of(Document.of("policy.md", longPolicy), Document.of("other.md", "Other text.")));

        int after = kb.ingest(List.of(Document.of("policy.md", "New short rule.")));

        assertThat(before).isGreaterThan(3);
        assertThat(after).isEqualTo(1);
        assertThat(kb.index().size()).isEqualTo(2);
        assertThat(kb.retrieve("parking permits", 5))
                .extracting(RetrievedChunk::text)
                .doesNotContain(longPolicy.substring(0, 40));
    }
}
