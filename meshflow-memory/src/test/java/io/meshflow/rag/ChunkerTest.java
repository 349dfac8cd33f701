package io.meshflow.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshflow.ValidationException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkerTest {

    @Test
    void fixedSize_windowsOverlapByExactlyTheOverlap_andCoverTheText() {
        String text = "abcdefghijklmnopqrstuvwxyz0123456789"; // 36 chars
        List<Chunk> chunks = Chunker.fixedSize(10, 3).split(text);

        assertThat(chunks).extracting(Chunk::start).containsExactly(0, 7, 14, 21, 28);
        assertThat(chunks)
                .extracting(Chunk::text)
                .containsExactly("abcdefghij", "hijklmnopq", "opqrstuvwx", "vwxyz01234", "23456789");
        for (int i = 1; i < chunks.size(); i++) {
            String previous = chunks.get(i - 1).text();
            assertThat(chunks.get(i).text()).startsWith(previous.substring(previous.length() - 3));
        }
        assertThat(chunks.get(chunks.size() - 1).end()).isEqualTo(text.length());
        chunks.forEach(c -> assertThat(text.substring(c.start(), c.end())).isEqualTo(c.text()));
    }

    @Test
    void fixedSize_defaultsTo512With64Overlap() {
        String text = "x".repeat(1000);
        assertThat(Chunker.fixedSize().split(text)).extracting(Chunk::start).containsExactly(0, 448, 896);
        assertThat(Chunker.fixedSize().split("   ")).isEmpty();
    }

    @Test
    void sentenceBoundary_keepsSentencesWhole_andPacksThemUpToMaxChars() {
        String text = "The sky is blue. Grass is green! Is snow white? \"Yes,\" she said. Ends here.";
        List<Chunk> chunks = Chunker.sentenceBoundary(35).split(text);

        assertThat(chunks)
                .extracting(Chunk::text)
                .containsExactly("The sky is blue. Grass is green!", "Is snow white? \"Yes,\" she said.", "Ends here.");
        chunks.forEach(c -> {
            assertThat(c.text().length()).isLessThanOrEqualTo(35);
            assertThat(text.substring(c.start(), c.end())).isEqualTo(c.text());
        });
    }

    @Test
    void sentenceBoundary_knowsMoreThanFullStops() {
        // ideographic full stop and an ellipsis-free question in Spanish: not only ".!?"
        String text = "今日は晴れです。明日は雨です。¿Dónde está la estación? Está cerca.";
        assertThat(Chunker.sentenceBoundary(25).split(text))
                .extracting(Chunk::text)
                .containsExactly("今日は晴れです。明日は雨です。", "¿Dónde está la estación?", "Está cerca.");
    }

    @Test
    void sentenceBoundary_cutsASentenceLongerThanMaxChars() {
        String text = "Short one. Y" + "y".repeat(24) + ".";
        List<Chunk> chunks = Chunker.sentenceBoundary(10).split(text);
        assertThat(chunks).extracting(Chunk::text).containsExactly("Short one.", "Yyyyyyyyyy", "yyyyyyyyyy", "yyyyy.");
    }

    @Test
    void invalidSettings_areRejected() {
        assertThatThrownBy(() -> Chunker.fixedSize(10, 10))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("overlap < size");
        assertThatThrownBy(() -> Chunker.sentenceBoundary(0)).hasMessageContaining("maxChars > 0");
    }
}
