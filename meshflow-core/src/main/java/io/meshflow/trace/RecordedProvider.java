package io.meshflow.trace;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.ToolCallRecord;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.LlmResponse;
import io.meshflow.provider.ProviderException;
import io.meshflow.provider.StopReason;
import io.meshflow.provider.TokenChunk;
import io.meshflow.provider.TokenSink;
import io.meshflow.provider.TokenUsage;
import io.meshflow.provider.ToolCall;
import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolRegistry;
import io.meshflow.tool.ToolResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A provider that answers from a recorded run instead of calling a model: deterministic replay. Each agent step of
 * the replay is matched to a recorded step of the same agent (the one given the same input, else the agent's next
 * recorded step in order of {@code seq}); the model's answer is that step's recorded output, with its recorded tokens
 * and cost. A recorded step that called tools first answers with those tool calls (one round), and {@link
 * #tools(ToolRegistry)} makes the tools answer with their recorded results, so that no tool runs either.
 *
 * <p>Thread-safe: parallel branches of the replay call it concurrently. When the replay asks an agent for more steps
 * than were recorded, the call fails with a {@link ProviderException} naming the agent.
 */
public final class RecordedProvider implements LlmProvider {
    /** The provider's name in logs and metrics. */
    public static final String NAME = "recorded";

    private final Map<String, List<StepRecord>> unclaimed = new LinkedHashMap<>();
    private final Map<String, Turn> turns = new HashMap<>();
    private final Map<String, List<ToolCallRecord>> toolResults = new HashMap<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger toolCalls = new AtomicInteger();

    /** One replayed step: the recorded step it answers with, and whether its tool round was given. */
    private static final class Turn {
        final StepRecord recorded;
        boolean toolsGiven;

        Turn(StepRecord recorded) {
            this.recorded = recorded;
        }
    }

    private RecordedProvider(List<StepRecord> steps) {
        for (StepRecord step : steps) {
            String agent = step.agentId();
            if (agent != null) {
                unclaimed.computeIfAbsent(agent, a -> new ArrayList<>()).add(step);
                for (ToolCallRecord call : step.toolCalls()) {
                    toolResults
                            .computeIfAbsent(call.toolName(), t -> new ArrayList<>())
                            .add(call);
                }
            }
        }
    }

    /** A provider answering from these recorded steps (in order of {@code seq}); steps of no agent are ignored. */
    public static RecordedProvider of(List<StepRecord> steps) {
        return new RecordedProvider(steps);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The model calls answered so far (none of them reached a model). */
    public int calls() {
        return calls.get();
    }

    /** The tool calls answered from the record so far (none of them ran a tool). */
    public int toolCalls() {
        return toolCalls.get();
    }

    @Override
    public LlmResponse complete(LlmRequest request) {
        return stream(request, chunk -> {});
    }

    @Override
    public LlmResponse stream(LlmRequest request, TokenSink sink) {
        StepRecord recorded;
        boolean giveTools;
        synchronized (this) {
            Turn turn = turns.get(request.stepId());
            if (turn == null) {
                turn = new Turn(claim(request));
                turns.put(request.stepId(), turn);
            }
            recorded = turn.recorded;
            giveTools = !turn.toolsGiven && !recorded.toolCalls().isEmpty();
            turn.toolsGiven = true;
        }
        calls.incrementAndGet();
        if (giveTools) {
            List<ToolCall> asked = new ArrayList<>();
            for (ToolCallRecord call : recorded.toolCalls()) {
                asked.add(new ToolCall(call.callId(), call.toolName(), arguments(call)));
            }
            return new LlmResponse("", asked, StopReason.TOOL_USE, TokenUsage.ZERO, 0, NAME, null);
        }
        String output = recorded.outputContent();
        if (!output.isEmpty()) {
            sink.accept(new TokenChunk(output, request.agentId(), request.stepId()));
        }
        return new LlmResponse(
                output,
                List.of(),
                StopReason.END_TURN,
                TokenUsage.of(0, recorded.tokensUsed()),
                recorded.costUsd(),
                NAME,
                null);
    }

    /**
     * The tools of {@code real} (same names, descriptions and schemas) answering with the recorded results of the
     * calls with the same arguments, in recorded order; a call that was not recorded gets an error result saying so.
     */
    public ToolRegistry tools(ToolRegistry real) {
        List<Tool> tools = new ArrayList<>();
        for (Tool tool : real.list()) {
            tools.add(Tool.of(tool.name(), tool.description(), tool.inputSchema(), args -> answer(tool.name(), args)));
        }
        return ToolRegistry.of(tools.toArray(Tool[]::new));
    }

    private ToolResult answer(String tool, JsonNode arguments) {
        synchronized (this) {
            List<ToolCallRecord> recorded = toolResults.getOrDefault(tool, List.of());
            for (int i = 0; i < recorded.size(); i++) {
                ToolCallRecord call = recorded.get(i);
                if (arguments(call).equals(arguments)) {
                    recorded.remove(i);
                    toolCalls.incrementAndGet();
                    return call.error() ? ToolResult.error(call.result()) : ToolResult.success(call.result());
                }
            }
        }
        return ToolResult.error("replay: no recorded call of tool '" + tool + "' with arguments " + arguments);
    }

    private StepRecord claim(LlmRequest request) {
        List<StepRecord> candidates = unclaimed.getOrDefault(request.agentId(), List.of());
        if (candidates.isEmpty()) {
            throw new ProviderException(
                    NAME,
                    "replay: agent '" + request.agentId() + "' takes a step that the recorded run does not have;"
                            + " the workflow now runs differently from the recorded one");
        }
        String prompt = request.messages().get(0).content();
        for (int i = 0; i < candidates.size(); i++) {
            if (candidates.get(i).inputTask().equals(prompt)) {
                return candidates.remove(i);
            }
        }
        return candidates.remove(0);
    }

    private static JsonNode arguments(ToolCallRecord call) {
        try {
            return MeshJson.parse(call.arguments());
        } catch (RuntimeException e) {
            return MeshJson.mapper().getNodeFactory().textNode(call.arguments());
        }
    }
}
