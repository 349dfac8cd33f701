package io.meshflow.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PriceTableTest {

    private static final TokenUsage MILLION_EACH = new TokenUsage(1_000_000, 1_000_000, 0, 0);

    @Test
    void datedAndRegionalModelIds_costAsTheLongestListedName() {
        PriceTable prices = PriceTable.defaults();

        assertThat(prices.cost("gpt-4o-mini-2024-07-18", MILLION_EACH)).isEqualTo(0.15 + 0.6);
        assertThat(prices.cost("gpt-4o-2024-08-06", MILLION_EACH)).isEqualTo(2.5 + 10);
        assertThat(prices.cost("us.anthropic.claude-sonnet-4-5-20250929-v1:0", MILLION_EACH))
                .isEqualTo(3 + 15);
        assertThat(prices.cost("models/gemini-2.0-flash-001", MILLION_EACH)).isEqualTo(0.1 + 0.4);
        assertThat(prices.cost("claude-haiku-4-5@20251001", MILLION_EACH)).isEqualTo(1 + 5);
    }

    @Test
    void aNameInsideAnotherWord_doesNotMatch() {
        assertThat(PriceTable.defaults().price("myo3-model")).isEmpty();
        assertThat(PriceTable.defaults().price("gpt-4oo")).isEmpty();
    }

    @Test
    void cacheTokens_areChargedAtTheirOwnPrices() {
        TokenUsage usage = new TokenUsage(1_000_000, 0, 2_000_000, 1_000_000);

        assertThat(PriceTable.defaults().cost("claude-sonnet-4-5", usage)).isEqualTo(3 + 2 * 0.3 + 3.75);
    }

    @Test
    void unknownModel_costsNothing() {
        PriceTable.forgetWarnings();

        assertThat(PriceTable.defaults().cost("llama3.2", MILLION_EACH)).isZero();
        assertThat(PriceTable.free().cost("gpt-4o", MILLION_EACH)).isZero();
    }

    @Test
    void settingsOverrideAndAddPrices() {
        PriceTable prices = ProviderSettings.of(
                        "openai",
                        Map.of(
                                "prices",
                                Map.of(
                                        "gpt-4o", Map.of("input_per_mtok", 1.0, "output_per_mtok", 2),
                                        "my-finetune", Map.of("input_per_mtok", 4, "output_per_mtok", 8))))
                .prices();

        assertThat(prices.cost("gpt-4o", MILLION_EACH)).isEqualTo(3.0);
        assertThat(prices.cost("my-finetune-v2", MILLION_EACH)).isEqualTo(12.0);
        assertThat(prices.cost("gpt-4o-mini", MILLION_EACH)).isEqualTo(0.75);
    }

    @Test
    void negativeOrIncompletePrices_areRefusedNamingTheModel() {
        assertThatThrownBy(() -> ProviderSettings.of(
                                "openai",
                                Map.of("prices", Map.of("x", Map.of("input_per_mtok", -1, "output_per_mtok", 1))))
                        .prices())
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("openai: prices.x.input_per_mtok must be a number >= 0");
        assertThatThrownBy(() -> ProviderSettings.of(
                                "openai", Map.of("prices", Map.of("x", Map.of("input_per_mtok", 1))))
                        .prices())
                .hasMessageContaining("prices.x needs input_per_mtok and output_per_mtok");
    }
}
