package io.meshflow.provider;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The embedded offline model: deterministic replies chosen by rules, streamed token by token.
 *
 * <p>A reply is chosen by the first rule that applies, in this order:
 *
 * <ol>
 *   <li>a script for the calling agent ({@link Builder#forAgent}), replayed in order;
 *   <li>the first {@link Builder#whenPromptContains} rule whose text occurs in the last user message;
 *   <li>the default script ({@link Builder#replies}), replayed in order;
 *   <li>the fallback reply ({@link Builder#fallback}), also once the default script has run out.
 * </ol>
 *
 * A script that has run out fails the call loudly with a {@link ProviderException}, unless
 * {@link Builder#repeatLastWhenExhausted()} is set. Every request is recorded ({@link #requests()}) so tests can assert
 * on what the model was given (the most recent {@value #RECORDED_REQUESTS}). Token counts follow a word-piece split close to what hosted models report, and cost
 * follows the configured price per million tokens (zero by default: the offline model is free).
 */
public final class ScriptedProvider implements LlmProvider {
    private final Map<String, Script> agentScripts;
    private final List<Map.Entry<String, ScriptedReply>> promptRules;
    private final @Nullable Script defaultScript;
    private final @Nullable ScriptedReply fallback;
    private final Duration tokenDelay;
    private final double inputUsdPerMillion;
    private final double outputUsdPerMillion;
    private final String model;
    /** The most requests {@link #requests()} keeps; older ones are dropped so a long-lived provider stays small. */
    public static final int RECORDED_REQUESTS = 10_000;

    private final ArrayDeque<LlmRequest> requests = new ArrayDeque<>();

    private ScriptedProvider(Builder builder) {
        boolean repeat = builder.repeatLast;
        this.agentScripts = new LinkedHashMap<>();
        builder.agentReplies.forEach((agent, replies) -> agentScripts.put(agent, new Script(agent, replies, repeat)));
        this.promptRules = List.copyOf(builder.promptRules);
        this.defaultScript = builder.defaultReplies.isEmpty() ? null : new Script("*", builder.defaultReplies, repeat);
        this.fallback = builder.fallback;
        this.tokenDelay = builder.tokenDelay;
        this.inputUsdPerMillion = builder.inputUsdPerMillion;
        this.outputUsdPerMillion = builder.outputUsdPerMillion;
        this.model = builder.model;
    }

    /** Returns a builder with no rules, no delay and zero pricing. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "scripted";
    }

    /** The configured pricing, for every model name; empty when the provider is free. */
    @Override
    public java.util.Optional<PriceTable.ModelPrice> price(String model) {
        return inputUsdPerMillion == 0 && outputUsdPerMillion == 0
                ? java.util.Optional.empty()
                : java.util.Optional.of(PriceTable.ModelPrice.of(inputUsdPerMillion, outputUsdPerMillion));
    }

    @Override
    public LlmResponse complete(LlmRequest request) {
        return stream(request, TokenSink.discard());
    }

    @Override
    public LlmResponse stream(LlmRequest request, TokenSink sink) {
        record(request);
        ScriptedReply reply = choose(request);
        String text = reply.text().replace("{{input}}", request.lastUserText());
        List<String> pieces = TokenCounter.split(text);
        StopReason stop = reply.toolCalls().isEmpty() ? StopReason.END_TURN : StopReason.TOOL_USE;
        if (pieces.size() > request.maxTokens()) {
            pieces = pieces.subList(0, request.maxTokens());
            stop = StopReason.MAX_TOKENS;
        }
        StringBuilder content = new StringBuilder(text.length());
        for (String piece : pieces) {
            pause();
            content.append(piece);
            sink.accept(new TokenChunk(piece, request.agentId(), request.stepId()));
        }
        long input = TokenCounter.count(request);
        long output = pieces.size();
        double cost = (input * inputUsdPerMillion + output * outputUsdPerMillion) / 1_000_000.0;
        List<ToolCall> calls = stop == StopReason.MAX_TOKENS ? List.of() : reply.toolCalls();
        return new LlmResponse(content.toString(), calls, stop, TokenUsage.of(input, output), cost, model, null);
    }

    /** The requests received so far (the most recent {@value #RECORDED_REQUESTS}), oldest first. */
    public List<LlmRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    private void record(LlmRequest request) {
        synchronized (requests) {
            if (requests.size() == RECORDED_REQUESTS) {
                requests.removeFirst();
            }
            requests.addLast(request);
        }
    }

    /** How many replies the given agent's script has given. */
    public int repliesGiven(String agentId) {
        Script script = agentScripts.get(agentId);
        return script == null ? 0 : Math.min(script.next.get(), script.replies.size());
    }

    private ScriptedReply choose(LlmRequest request) {
        Script script = agentScripts.get(request.agentId());
        if (script != null) {
            return script.next();
        }
        String prompt = request.lastUserText();
        for (Map.Entry<String, ScriptedReply> rule : promptRules) {
            if (prompt.contains(rule.getKey())) {
                return rule.getValue();
            }
        }
        if (defaultScript != null && (fallback == null || !defaultScript.exhausted())) {
            return defaultScript.next();
        }
        if (fallback != null) {
            return fallback;
        }
        throw new ProviderException(
                name(),
                "no scripted reply for agent '" + request.agentId() + "' and prompt '" + abbreviate(prompt)
                        + "'; add a rule with forAgent(), whenPromptContains(), replies() or fallback()");
    }

    private void pause() {
        if (tokenDelay.isZero()) {
            return;
        }
        try {
            Thread.sleep(tokenDelay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(name(), "interrupted while streaming", e);
        }
    }

    private static String abbreviate(String text) {
        String oneLine = text.replace('\n', ' ');
        return oneLine.length() <= 60 ? oneLine : oneLine.substring(0, 57) + "...";
    }

    private final class Script {
        private final String owner;
        private final List<ScriptedReply> replies;
        private final boolean repeatLast;
        private final AtomicInteger next = new AtomicInteger();

        Script(String owner, List<ScriptedReply> replies, boolean repeatLast) {
            this.owner = owner;
            this.replies = List.copyOf(replies);
            this.repeatLast = repeatLast;
        }

        boolean exhausted() {
            return !repeatLast && next.get() >= replies.size();
        }

        ScriptedReply next() {
            int index = next.getAndIncrement();
            if (index < replies.size()) {
                return replies.get(index);
            }
            if (repeatLast) {
                return replies.get(replies.size() - 1);
            }
            String who = owner.equals("*") ? "the default script" : "the script of agent '" + owner + "'";
            throw new ProviderException(
                    name(),
                    who + " ran out of replies after " + replies.size()
                            + "; add replies or call repeatLastWhenExhausted()");
        }
    }

    /** Builds a {@link ScriptedProvider}. */
    public static final class Builder {
        private final Map<String, List<ScriptedReply>> agentReplies = new LinkedHashMap<>();
        private final List<Map.Entry<String, ScriptedReply>> promptRules = new ArrayList<>();
        private final List<ScriptedReply> defaultReplies = new ArrayList<>();
        private @Nullable ScriptedReply fallback;
        private boolean repeatLast;
        private Duration tokenDelay = Duration.ZERO;
        private double inputUsdPerMillion;
        private double outputUsdPerMillion;
        private String model = "scripted-1";

        private Builder() {}

        /** Replies the given agent receives, in order. */
        public Builder forAgent(String agentId, String... replies) {
            return forAgent(
                    agentId, Arrays.stream(replies).map(ScriptedReply::text).toList());
        }

        /** Replies (text or tool calls) the given agent receives, in order. */
        public Builder forAgent(String agentId, List<ScriptedReply> replies) {
            if (replies.isEmpty()) {
                throw new IllegalArgumentException("the script of agent '" + agentId + "' has no replies");
            }
            agentReplies.computeIfAbsent(agentId, k -> new ArrayList<>()).addAll(replies);
            return this;
        }

        /** The reply given whenever the last user message contains {@code substring}. */
        public Builder whenPromptContains(String substring, String reply) {
            promptRules.add(Map.entry(substring, ScriptedReply.text(reply)));
            return this;
        }

        /** Replies given in order to calls no other rule matches. */
        public Builder replies(String... replies) {
            for (String reply : replies) {
                defaultReplies.add(ScriptedReply.text(reply));
            }
            return this;
        }

        /** The reply given when no other rule matches and the default script is absent or has run out. */
        public Builder fallback(String reply) {
            this.fallback = ScriptedReply.text(reply);
            return this;
        }

        /** When a script has run out, repeat its last reply instead of failing. */
        public Builder repeatLastWhenExhausted() {
            this.repeatLast = true;
            return this;
        }

        /** A pause before each streamed token, to act out a model's pace. */
        public Builder tokenDelay(Duration delay) {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("tokenDelay must not be negative");
            }
            this.tokenDelay = delay;
            return this;
        }

        /** Price in US dollars per million input and output tokens (default zero). */
        public Builder pricing(double inputUsdPerMillion, double outputUsdPerMillion) {
            if (inputUsdPerMillion < 0 || outputUsdPerMillion < 0) {
                throw new IllegalArgumentException("prices must not be negative");
            }
            this.inputUsdPerMillion = inputUsdPerMillion;
            this.outputUsdPerMillion = outputUsdPerMillion;
            return this;
        }

        /** The model name reported in responses (default {@code scripted-1}). */
        public Builder model(String model) {
            this.model = model.toLowerCase(Locale.ROOT);
            return this;
        }

        /** Returns the provider. */
        public ScriptedProvider build() {
            return new ScriptedProvider(this);
        }
    }
}
