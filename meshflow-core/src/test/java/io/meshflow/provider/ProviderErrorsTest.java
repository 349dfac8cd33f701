package io.meshflow.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProviderErrorsTest {

    @Test
    void retryAfter_prefersMillis_thenFractionalSeconds() {
        assertThat(ProviderErrors.retryAfter("1500", "9")).isEqualTo(Duration.ofMillis(1500));
        assertThat(ProviderErrors.retryAfter(null, "2.5")).isEqualTo(Duration.ofMillis(2500));
        assertThat(ProviderErrors.retryAfter(null, null)).isNull();
    }

    @Test
    void retryAfter_anHttpDateOrGarbage_isNoWait() {
        assertThat(ProviderErrors.retryAfter(null, "Wed, 21 Oct 2026 07:28:00 GMT"))
                .isNull();
        assertThat(ProviderErrors.retryAfter("soon", null)).isNull();
    }

    @Test
    void causes_areFoundAndNamed() {
        RuntimeException e = new RuntimeException("outer", new UncheckedIOException(new InterruptedIOException("t")));

        assertThat(ProviderErrors.hasCause(e, InterruptedIOException.class)).isTrue();
        assertThat(ProviderErrors.hasCause(e, IllegalStateException.class)).isFalse();
        assertThat(ProviderErrors.causeOf(e)).contains("UncheckedIOException");
        assertThat(ProviderErrors.causeOf(new RuntimeException("alone"))).isEqualTo("alone");
    }
}
