package io.meshflow.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InMemoryVectorIndexTest {

    private static float[] random(Random rnd, int dim) {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    @Test
    void search_returnsTheExactTopK_asABruteForceCosineRanking() {
        Random rnd = new Random(7);
        InMemoryVectorIndex index = new InMemoryVectorIndex(32);
        List<float[]> all = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            float[] v = random(rnd, 32);
            all.add(v);
            index.add("v" + i, v, Map.of("parity", i % 2 == 0 ? "even" : "odd"));
        }
        float[] query = random(rnd, 32);

        List<VectorMatch> top = index.search(query, 10);

        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) expected.add(i);
        expected.sort(Comparator.comparingDouble((Integer i) -> -Vectors.cosine(query, all.get(i))));
        assertThat(top)
                .extracting(VectorMatch::id)
                .containsExactlyElementsOf(
                        expected.subList(0, 10).stream().map(i -> "v" + i).toList());
        assertThat(top.get(0).score())
                .isCloseTo(Vectors.cosine(query, all.get(expected.get(0))), org.assertj.core.data.Offset.offset(1e-5));
        assertThat(top).extracting(VectorMatch::score).isSortedAccordingTo(Comparator.reverseOrder());
    }

    @Test
    void largeIndex_searchedInParallelSlices_returnsTheSameTopKAsOneScan() {
        Random rnd = new Random(5);
        InMemoryVectorIndex large = new InMemoryVectorIndex(8);
        InMemoryVectorIndex small = new InMemoryVectorIndex(8);
        float[][] all = new float[40_000][];
        for (int i = 0; i < all.length; i++) {
            all[i] = random(rnd, 8);
            large.add("v" + i, all[i], Map.of("parity", i % 2 == 0 ? "even" : "odd"));
        }
        float[] query = random(rnd, 8);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < all.length; i++) order.add(i);
        order.sort(Comparator.comparingDouble((Integer i) -> -Vectors.cosine(query, all[i])));

        assertThat(large.search(query, 10))
                .extracting(VectorMatch::id)
                .containsExactlyElementsOf(
                        order.subList(0, 10).stream().map(i -> "v" + i).toList());
        assertThat(large.search(query, 3, Map.of("parity", "odd")))
                .extracting(VectorMatch::id)
                .containsExactlyElementsOf(order.stream()
                        .filter(i -> i % 2 == 1)
                        .limit(3)
                        .map(i -> "v" + i)
                        .toList());
        assertThat(small.search(query, 3)).isEmpty();
    }

    @Test
    void search_withFilter_onlyReturnsMatchingMetadata() {
        Random rnd = new Random(3);
        InMemoryVectorIndex index = new InMemoryVectorIndex(8);
        for (int i = 0; i < 100; i++) {
            index.add("v" + i, random(rnd, 8), Map.of("parity", i % 2 == 0 ? "even" : "odd"));
        }
        List<VectorMatch> odd = index.search(random(rnd, 8), 20, Map.of("parity", "odd"));
        assertThat(odd).hasSize(20).allSatisfy(m -> assertThat(m.metadata()).containsEntry("parity", "odd"));
        assertThat(index.search(random(rnd, 8), 5, Map.of("parity", "none"))).isEmpty();
    }

    @Test
    void addSameId_replaces_andDelete_removes() {
        InMemoryVectorIndex index = new InMemoryVectorIndex(2);
        index.add("a", new float[] {1, 0}, Map.of());
        index.add("b", new float[] {0, 1}, Map.of());
        index.add("a", new float[] {0, 1}, Map.of("v", "2"));
        assertThat(index.size()).isEqualTo(2);
        assertThat(index.search(new float[] {0, 1}, 2))
                .extracting(VectorMatch::score)
                .containsExactly(1.0, 1.0);

        assertThat(index.delete("b")).isTrue();
        assertThat(index.delete("b")).isFalse();
        assertThat(index.search(new float[] {0, 1}, 5))
                .extracting(VectorMatch::id)
                .containsExactly("a");
    }

    @Test
    void wrongDimension_failsWithAClearMessage() {
        InMemoryVectorIndex index = new InMemoryVectorIndex(384, "index 'docs'");
        assertThatThrownBy(() -> index.add("x", new float[12], Map.of()))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("dimension 12")
                .hasMessageContaining("index 'docs'")
                .hasMessageContaining("384-dimensional");
        assertThatThrownBy(() -> index.search(new float[3], 5))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("dimension 3");
        float[] nan = new float[384];
        nan[5] = Float.NaN;
        assertThatThrownBy(() -> index.add("x", nan, Map.of())).hasMessageContaining("NaN");
    }

    @Test
    void saveAndLoad_roundTripsIdsVectorsAndMetadata(@TempDir Path dir) throws Exception {
        Random rnd = new Random(11);
        InMemoryVectorIndex index = new InMemoryVectorIndex(16);
        for (int i = 0; i < 40; i++) {
            index.add("v" + i, random(rnd, 16), Map.of("source", "doc" + i + ".md", "text", "chunk ü " + i));
        }
        Path file = dir.resolve("kb/docs.mfvec");
        index.save(file);
        InMemoryVectorIndex loaded = InMemoryVectorIndex.load(file);

        float[] query = random(rnd, 16);
        assertThat(loaded.size()).isEqualTo(40);
        assertThat(loaded.search(query, 5)).isEqualTo(index.search(query, 5));

        Files.write(dir.resolve("bad"), new byte[] {1, 2, 3, 4, 5});
        assertThatThrownBy(() -> InMemoryVectorIndex.load(dir.resolve("bad")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("not a MeshFlow vector index");
    }
}
