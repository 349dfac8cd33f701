package io.meshflow.governance;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The circuit breakers of one engine, one per {@code provider/model} and one per tool ({@code tool:<name>}), built on
 * Resilience4j. A call asks {@link #tryAcquire} first: when the breaker is open it is refused without reaching the
 * provider or tool, and the step ends BLOCKED with reason {@code circuit_breaker}. Thread-safe.
 */
public final class CircuitBreakers {
    private final CircuitBreakerRegistry registry;
    private final CircuitBreakerSettings settings;
    private final Map<String, AtomicInteger> consecutive = new ConcurrentHashMap<>();

    /** Breakers with these settings, timed by {@code clock} (the cool-down). */
    public CircuitBreakers(CircuitBreakerSettings settings, Clock clock) {
        this.settings = settings;
        this.registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.windowSize())
                .minimumNumberOfCalls(settings.windowSize())
                .failureRateThreshold(settings.failureRatePercent())
                .waitDurationInOpenState(settings.coolDown())
                .permittedNumberOfCallsInHalfOpenState(1)
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .recordExceptions(Throwable.class)
                .clock(clock)
                .build());
    }

    /** The key of a provider's model. */
    public static String modelKey(String provider, String model) {
        return provider + "/" + model;
    }

    /** The key of a tool. */
    public static String toolKey(String tool) {
        return "tool:" + tool;
    }

    /** The settings in force. */
    public CircuitBreakerSettings settings() {
        return settings;
    }

    /**
     * Asks to make a call; when this returns true the caller must report its outcome with {@link #succeeded} or
     * {@link #failed}.
     *
     * @return a block naming the open breaker, or empty when the call may go ahead
     */
    public Optional<GovernanceBlock> tryAcquire(String key) {
        CircuitBreaker breaker = registry.circuitBreaker(key);
        if (breaker.tryAcquirePermission()) {
            return Optional.empty();
        }
        return Optional.of(new GovernanceBlock(
                GovernanceBlock.CIRCUIT_BREAKER,
                key.startsWith("tool:") ? "tool_breaker" : "model_breaker",
                "the circuit breaker of " + key + " is "
                        + breaker.getState().name().toLowerCase(java.util.Locale.ROOT)
                        + " after " + breaker.getMetrics().getNumberOfFailedCalls() + " failed calls of the last "
                        + breaker.getMetrics().getNumberOfBufferedCalls() + "; the call was refused without reaching it"
                        + " (cool-down " + settings.coolDown() + ")"));
    }

    /** Reports a call that succeeded. */
    public void succeeded(String key, long durationNanos) {
        consecutive.computeIfAbsent(key, k -> new AtomicInteger()).set(0);
        registry.circuitBreaker(key).onSuccess(durationNanos, TimeUnit.NANOSECONDS);
    }

    /** Reports a call that failed; opens the breaker after {@code consecutiveFailures} in a row. */
    public void failed(String key, long durationNanos, Throwable error) {
        CircuitBreaker breaker = registry.circuitBreaker(key);
        breaker.onError(durationNanos, TimeUnit.NANOSECONDS, error);
        int inARow = consecutive.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        if (inARow >= settings.consecutiveFailures() && breaker.getState() == CircuitBreaker.State.CLOSED) {
            breaker.transitionToOpenState();
        }
    }

    /** The state of a breaker: {@code CLOSED}, {@code OPEN}, {@code HALF_OPEN}, ... */
    public String state(String key) {
        return registry.circuitBreaker(key).getState().name();
    }
}
