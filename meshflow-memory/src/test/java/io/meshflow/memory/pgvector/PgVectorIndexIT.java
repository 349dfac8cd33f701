package io.meshflow.memory.pgvector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import io.meshflow.memory.InMemoryVectorIndex;
import io.meshflow.memory.RetrievedChunk;
import io.meshflow.memory.VectorIndex;
import io.meshflow.memory.VectorMatch;
import io.meshflow.memory.minilm.MiniLmEmbeddings;
import io.meshflow.rag.Document;
import io.meshflow.rag.DocumentStore;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PgVectorIndexIT {

    private static final MiniLmEmbeddings MINILM = new MiniLmEmbeddings();
    private static final List<Document> DOCS = List.of(
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

    private static DataSource db;
    private static DocumentStore inMemory;
    private static DocumentStore pgvector;

    @BeforeAll
    static void ingest() {
        db = PgLite.dataSource();
        inMemory = DocumentStore.inMemory(MINILM);
        pgvector = DocumentStore.create(MINILM, PgVectorIndex.open(db, "acme", unique("handbook"), 384));
        inMemory.ingest(DOCS);
        pgvector.ingest(DOCS);
    }

    private static String unique(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "How fast do I get my money back?",
                "vacation allowance",
                "Is there meat-free food at lunch?",
                "How do visitors get internet access?",
                "laptop rules"
            })
    void inMemoryAndPgvector_returnTheSameTopFive(String query) {
        List<RetrievedChunk> expected = inMemory.retrieve(query, 5);
        List<RetrievedChunk> actual = pgvector.retrieve(query, 5);

        assertThat(actual)
                .extracting(RetrievedChunk::source)
                .containsExactlyElementsOf(
                        expected.stream().map(RetrievedChunk::source).toList());
        for (int i = 0; i < 5; i++) {
            assertThat(actual.get(i).score())
                    .isCloseTo(expected.get(i).score(), org.assertj.core.data.Offset.offset(1e-4));
            assertThat(actual.get(i).text()).isEqualTo(expected.get(i).text());
        }
    }

    @Test
    void randomVectors_sameTopFive_andFiltersAgree() {
        Random rnd = new Random(42);
        VectorIndex memory = new InMemoryVectorIndex(384);
        VectorIndex pg = PgVectorIndex.open(db, "acme", unique("random"), 384);
        for (int i = 0; i < 300; i++) {
            float[] v = new float[384];
            for (int d = 0; d < v.length; d++) v[d] = (float) rnd.nextGaussian();
            Map<String, String> meta = Map.of("bucket", Integer.toString(i % 3));
            memory.add("v" + i, v, meta);
            pg.add("v" + i, v, meta);
        }
        assertThat(pg.size()).isEqualTo(300);
        for (int q = 0; q < 5; q++) {
            float[] query = new float[384];
            for (int d = 0; d < query.length; d++) query[d] = (float) rnd.nextGaussian();
            assertThat(pg.search(query, 5))
                    .extracting(VectorMatch::id)
                    .containsExactlyElementsOf(memory.search(query, 5).stream()
                            .map(VectorMatch::id)
                            .toList());
            assertThat(pg.search(query, 5, Map.of("bucket", "1")))
                    .extracting(VectorMatch::id)
                    .containsExactlyElementsOf(memory.search(query, 5, Map.of("bucket", "1")).stream()
                            .map(VectorMatch::id)
                            .toList());
        }
        assertThat(pg.delete("v7")).isTrue();
        assertThat(pg.delete("v7")).isFalse();
        assertThat(pg.size()).isEqualTo(299);
    }

    @Test
    void tenantA_cannotRetrieveTenantBsChunks() {
        String collection = unique("shared");
        DocumentStore a = DocumentStore.create(MINILM, PgVectorIndex.open(db, "tenant-a", collection, 384));
        DocumentStore b = DocumentStore.create(MINILM, PgVectorIndex.open(db, "tenant-b", collection, 384));
        b.ingest(List.of(Document.of("b-secret.md", "The merger with Globex closes on 14 February.")));
        a.ingest(List.of(Document.of("a-notes.md", "Our picnic is on Saturday in the park.")));

        List<RetrievedChunk> fromA = a.retrieve("When does the merger with Globex close?", 10);
        List<RetrievedChunk> fromB = b.retrieve("When does the merger with Globex close?", 10);

        assertThat(fromA).extracting(RetrievedChunk::source).containsExactly("a-notes.md");
        assertThat(fromB).extracting(RetrievedChunk::source).containsExactly("b-secret.md");
        assertThat(a.index().size()).isEqualTo(1);
    }

    @Test
    void wrongDimension_isRefusedBeforeTheDatabase() {
        VectorIndex pg = PgVectorIndex.open(db, "acme", unique("dims"), 384);
        assertThatThrownBy(() -> pg.add("x", new float[12], Map.of()))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("dimension 12")
                .hasMessageContaining("384-dimensional");
        assertThatThrownBy(() -> PgVectorIndex.open(db, "acme", "bad name!", 384))
                .isInstanceOf(ValidationException.class);
    }

    @Test
    void postgresWithoutPgvector_failsSayingHowToInstallIt() {
        boolean plain = PgLite.reachable(PgLite.PLAIN_POSTGRES_URL);
        PgLite.require(plain, "PostgreSQL on 127.0.0.1:5432");
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(PgLite.PLAIN_POSTGRES_URL);
        assertThatThrownBy(() -> PgVectorIndex.open(ds, "acme", "docs", 384))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("no pgvector extension")
                .hasMessageContaining("CREATE EXTENSION vector");
    }
}
