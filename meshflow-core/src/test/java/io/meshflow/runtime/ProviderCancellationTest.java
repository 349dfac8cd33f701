package io.meshflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.Mesh;
import io.meshflow.RunHandle;
import io.meshflow.RunResult;
import io.meshflow.agent.Agent;
import io.meshflow.agent.Team;
import io.meshflow.ledger.RunStatus;
import io.meshflow.policy.Policy;
import io.meshflow.provider.Cancellation;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.LlmResponse;
import io.meshflow.provider.ProviderException;
import io.meshflow.provider.TokenSink;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ProviderCancellationTest {

    /** Blocks like a socket read: deaf to interrupts, woken only by closing its "stream". */
    private static final class HangingProvider implements LlmProvider {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);
        final AtomicInteger aborts = new AtomicInteger();

        @Override
        public String name() {
            return "hanging";
        }

        @Override
        public LlmResponse complete(LlmRequest request) {
            return stream(request, TokenSink.discard());
        }

        @Override
        public LlmResponse stream(LlmRequest request, TokenSink sink) {
            Cancellation.Registration registration = Cancellation.onCancel(() -> {
                aborts.incrementAndGet();
                closed.countDown();
            });
            try {
                started.countDown();
                boolean woke = false;
                while (!woke) {
                    try {
                        woke = closed.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        // a blocked socket read ignores interrupts too
                    }
                }
                throw new ProviderException(name(), "stream closed");
            } finally {
                registration.close();
            }
        }
    }

    @Test
    void cancellingTheRun_abortsABlockedProviderCall() throws Exception {
        HangingProvider provider = new HangingProvider();
        Mesh mesh = Mesh.builder().provider(provider).build();

        RunHandle handle =
                mesh.stream(Team.sequential("wait", Agent.builder("a").build()), "go");
        assertThat(provider.started.await(10, TimeUnit.SECONDS)).isTrue();
        handle.cancel();
        RunResult result = handle.result();

        assertThat(result.status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(provider.aborts).hasValue(1);
    }

    @Test
    void stepTimeout_abortsABlockedProviderCall_andBlocksTheRunForTheTimeout() {
        HangingProvider provider = new HangingProvider();
        Mesh mesh = Mesh.builder()
                .provider(provider)
                .policy(Policy.builder().stepTimeout(Duration.ofMillis(200)).build())
                .build();

        RunResult result = mesh.run(Team.sequential("wait", Agent.builder("a").build()), "go");

        assertThat(result.status()).isEqualTo(RunStatus.BLOCKED);
        assertThat(result.blockReason()).isEqualTo("policy");
        assertThat(result.steps().get(0).verdict().detail()).startsWith("rule step_timeout: ");
        assertThat(provider.aborts).hasValue(1);
    }

    @Test
    void outsideAStep_registrationDoesNothing_andAScopeCancelledEarlyRunsTheActionAtOnce() {
        AtomicInteger runs = new AtomicInteger();
        Cancellation.onCancel(runs::incrementAndGet).close();
        assertThat(Cancellation.isCancelled()).isFalse();
        assertThat(runs).hasValue(0);

        Cancellation scope = Cancellation.enter();
        try {
            scope.cancel();
            Cancellation.onCancel(runs::incrementAndGet).close();
            assertThat(Cancellation.isCancelled()).isTrue();
        } finally {
            scope.exit();
        }
        assertThat(runs).hasValue(1);
        assertThat(Cancellation.isCancelled()).isFalse();
    }

    @Test
    void nestedScopes_exitRestoresTheOuterOne_andAfterTheLastNoScopeIsOpen() {
        AtomicInteger outerRuns = new AtomicInteger();
        Cancellation outer = Cancellation.enter();
        Cancellation inner = Cancellation.enter();
        inner.cancel();
        assertThat(Cancellation.isCancelled()).isTrue();

        inner.exit();
        assertThat(Cancellation.isCancelled()).isFalse();
        Cancellation.onCancel(outerRuns::incrementAndGet);
        outer.cancel();
        assertThat(outerRuns).hasValue(1);
        outer.exit();

        assertThat(Cancellation.isCancelled()).isFalse();
        Cancellation next = Cancellation.enter();
        assertThat(Cancellation.isCancelled()).isFalse();
        next.exit();
    }
}
