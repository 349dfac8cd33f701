package io.meshflow.workflow.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SpellingTest {
    private static final List<String> KEYS = List.of("max_iterations", "max_steps", "nodes", "name");

    @Test
    void closest_findsTyposTranspositionsAndCamelCase() {
        assertThat(Spelling.closest("max_iteration", KEYS)).isEqualTo("max_iterations");
        assertThat(Spelling.closest("nodse", KEYS)).isEqualTo("nodes");
        assertThat(Spelling.closest("maxSteps", KEYS)).isEqualTo("max_steps");
        assertThat(Spelling.closest("max-steps", KEYS)).isEqualTo("max_steps");
    }

    @Test
    void closest_suggestsNothingForUnrelatedOrVeryShortNames() {
        assertThat(Spelling.closest("timeout", KEYS)).isNull();
        assertThat(Spelling.closest("x", List.of("a", "b"))).isNull();
        assertThat(Spelling.didYouMean("timeout", KEYS)).isEmpty();
    }
}
