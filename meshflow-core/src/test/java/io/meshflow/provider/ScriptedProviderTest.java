package io.meshflow.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScriptedProviderTest {

    private static LlmRequest request(String agent, String prompt) {
        return new LlmRequest(
                agent, "s1", "", "You are terse.", List.of(ChatMessage.user(prompt)), List.of(), 256, null);
    }

    @Test
    void agentScript_isReplayedInOrder_thenFailsLoudly() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent("critic", "REVISE", "REVISE", "APPROVED")
                .build();

        assertThat(model.complete(request("critic", "x")).content()).isEqualTo("REVISE");
        assertThat(model.complete(request("critic", "x")).content()).isEqualTo("REVISE");
        assertThat(model.complete(request("critic", "x")).content()).isEqualTo("APPROVED");
        assertThatThrownBy(() -> model.complete(request("critic", "x")))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("the script of agent 'critic' ran out of replies after 3");
        assertThat(model.requests()).hasSize(4);
    }

    @Test
    void rules_applyInOrder_agentThenPromptThenDefaultThenFallback() {
        ScriptedProvider model = ScriptedProvider.builder()
                .forAgent("lawyer", "Counsel says no.")
                .whenPromptContains("invoice", "Invoice noted.")
                .replies("first default")
                .fallback("Echo: {{input}}")
                .build();

        assertThat(model.complete(request("lawyer", "invoice")).content()).isEqualTo("Counsel says no.");
        assertThat(model.complete(request("clerk", "an invoice arrived")).content())
                .isEqualTo("Invoice noted.");
        assertThat(model.complete(request("clerk", "hello")).content()).isEqualTo("first default");
        assertThat(model.complete(request("clerk", "hello again")).content()).isEqualTo("Echo: hello again");
    }

    @Test
    void noRuleMatches_failsNamingAgentAndPrompt() {
        ScriptedProvider model = ScriptedProvider.builder().forAgent("a", "x").build();
        assertThatThrownBy(() -> model.complete(request("b", "what now?")))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("no scripted reply for agent 'b' and prompt 'what now?'");
    }

    @Test
    void stream_deliversEveryPiece_withAgentAndStep_andCountsRealisticTokens() {
        ScriptedProvider model = ScriptedProvider.builder()
                .fallback("Indemnification obligations survive termination, unless waived.")
                .pricing(3.0, 15.0)
                .build();
        List<TokenChunk> chunks = new ArrayList<>();

        LlmResponse response = model.stream(request("reviewer", "check clause 9"), chunks::add);

        assertThat(String.join("", chunks.stream().map(TokenChunk::text).toList()))
                .isEqualTo(response.content());
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.agentId()).isEqualTo("reviewer");
            assertThat(c.stepId()).isEqualTo("s1");
        });
        // long words are split like sub-word tokenizers do: more pieces than words
        assertThat(response.usage().outputTokens()).isEqualTo(chunks.size()).isGreaterThan(7);
        assertThat(response.usage().inputTokens()).isGreaterThan(5);
        double expected =
                (response.usage().inputTokens() * 3.0 + response.usage().outputTokens() * 15.0) / 1e6;
        assertThat(response.costUsd()).isEqualTo(expected);
        assertThat(response.stopReason()).isEqualTo(StopReason.END_TURN);
    }

    @Test
    void replyLongerThanMaxTokens_isCutWithMaxTokensStopReason() {
        ScriptedProvider model = ScriptedProvider.builder()
                .fallback("one two three four five six")
                .build();
        LlmRequest small = new LlmRequest("a", "s", "", "", List.of(ChatMessage.user("go")), List.of(), 3, null);

        LlmResponse response = model.complete(small);

        assertThat(response.content()).isEqualTo("one two three");
        assertThat(response.stopReason()).isEqualTo(StopReason.MAX_TOKENS);
    }

    @Test
    void tokenCounter_splitsLosslessly() {
        String text = "  Hello, world!\n\tSupercalifragilistic_words 42% done.  ";
        assertThat(String.join("", TokenCounter.split(text))).isEqualTo(text);
        assertThat(TokenCounter.split("")).isEmpty();
        assertThat(TokenCounter.split("a b")).containsExactly("a", " b");
        assertThat(TokenCounter.split("Supercalifragilistic, ok"))
                .containsExactly("Superc", "alifra", "gilist", "ic", ",", " ok");
        for (String sample : List.of(text, "", "   ", "x", "Indemnification obligations survive.")) {
            assertThat(TokenCounter.count(sample))
                    .isEqualTo(TokenCounter.split(sample).size());
        }
    }
}
