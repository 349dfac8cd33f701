package io.meshflow.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.meshflow.policy.Policy;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class PolicyOverrideTest {
    private static final Principal USER = new Principal("acme", Role.USER);
    private static final Principal ADMIN = new Principal("ops", Role.ADMIN);
    private static final Policy BASE = Policy.forMode("standard");

    private static RunStartRequest.PolicyOverride limits(@Nullable Integer steps, @Nullable Double cost) {
        return new RunStartRequest.PolicyOverride(null, steps, null, cost, null, null);
    }

    @Test
    void user_mayTighten() {
        Policy p = Api.overridden(BASE, limits(5, 0.5), USER);
        assertThat(p.maxSteps()).isEqualTo(5);
        assertThat(p.maxCostUsd()).isEqualTo(0.5);
        assertThat(p.maxTokens()).isEqualTo(BASE.maxTokens());
        assertThat(Api.overridden(
                        BASE, new RunStartRequest.PolicyOverride("strict", null, null, null, null, null), USER))
                .isEqualTo(Policy.forMode("strict"));
    }

    @Test
    void user_mayNotLoosen_orLiftACap() {
        ApiException looser =
                catchThrowableOfType(ApiException.class, () -> Api.overridden(BASE, limits(201, null), USER));
        assertThat(looser.status()).isEqualTo(403);
        assertThat(looser.getMessage()).contains("max_steps");
        ApiException uncapped =
                catchThrowableOfType(ApiException.class, () -> Api.overridden(BASE, limits(null, 0.0), USER));
        assertThat(uncapped.getMessage()).contains("max_cost_usd");
        ApiException dev = catchThrowableOfType(
                ApiException.class,
                () -> Api.overridden(
                        BASE, new RunStartRequest.PolicyOverride("dev", null, null, null, null, null), USER));
        assertThat(dev.getMessage()).contains("max_steps", "max_tokens", "run_timeout_ms");
    }

    @Test
    void admin_maySetAnything_butNotNonsense() {
        Policy p =
                Api.overridden(BASE, new RunStartRequest.PolicyOverride(null, 10_000, null, null, 1_000L, 0L), ADMIN);
        assertThat(p.maxSteps()).isEqualTo(10_000);
        assertThat(p.stepTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.runTimeout()).isEqualTo(Duration.ZERO);
        ApiException bad =
                catchThrowableOfType(ApiException.class, () -> Api.overridden(BASE, limits(-1, null), ADMIN));
        assertThat(bad.status()).isEqualTo(400);
        ApiException mode = catchThrowableOfType(
                ApiException.class,
                () -> Api.overridden(
                        BASE, new RunStartRequest.PolicyOverride("yolo", null, null, null, null, null), ADMIN));
        assertThat(mode.code()).isEqualTo("invalid_policy");
    }
}
