package io.meshflow.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshflow.MeshFlowException;
import io.meshflow.agent.Agent;
import io.meshflow.agent.AgentReply;
import io.meshflow.event.MeshEvent;
import io.meshflow.governance.CircuitBreakers;
import io.meshflow.governance.DascAction;
import io.meshflow.governance.GovernanceBlock;
import io.meshflow.governance.GovernanceException;
import io.meshflow.governance.GuardianSubject;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.ToolCallRecord;
import io.meshflow.provider.ChatMessage;
import io.meshflow.provider.LlmProvider;
import io.meshflow.provider.LlmRequest;
import io.meshflow.provider.LlmResponse;
import io.meshflow.provider.ProviderException;
import io.meshflow.provider.TokenUsage;
import io.meshflow.provider.ToolCall;
import io.meshflow.provider.ToolDefinition;
import io.meshflow.tool.JsonSchemaValidator;
import io.meshflow.tool.Tool;
import io.meshflow.tool.ToolResult;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/**
 * One agent turn inside a step: model call streamed as {@code TOKEN_DELTA} events, then as many tool rounds as the
 * model asks for (tools of one round run in parallel), until it answers without tool calls.
 */
final class AgentCall {
    private final StepExecution step;
    private final RunContext run;
    private final Agent agent;
    private final LlmProvider provider;
    private final Map<String, Tool> tools = new HashMap<>();

    AgentCall(StepExecution step, Agent agent, LlmProvider provider) {
        this.step = step;
        this.run = step.runContext();
        this.agent = agent;
        this.provider = provider;
        for (Tool tool : agent.tools()) {
            tools.put(tool.name(), tool);
        }
    }

    AgentReply call(String prompt) {
        List<ToolDefinition> definitions =
                agent.tools().stream().map(Tool::definition).toList();
        List<ChatMessage> messages = new ArrayList<>();
        messages.add(ChatMessage.user(prompt));
        LlmRequest request = new LlmRequest(
                agent.id(),
                step.stepId(),
                agent.model(),
                agent.systemPrompt(),
                messages,
                definitions,
                agent.maxTokens(),
                agent.temperature());
        TokenUsage usage = TokenUsage.ZERO;
        double cost = 0;
        int calls = 0;
        while (true) {
            LlmResponse response = callModel(request);
            step.spent(response.usage().total(), response.costUsd());
            calls++;
            usage = usage.plus(response.usage());
            cost += response.costUsd();
            if (!response.hasToolCalls()) {
                Uncertainty.Estimate estimate = Uncertainty.estimate(response, agent.reportsConfidence());
                return new AgentReply(response.content(), usage, cost, estimate.value(), estimate.source(), calls);
            }
            if (calls > agent.maxToolRounds()) {
                throw new MeshFlowException("agent '" + agent.id() + "' asked for tools in more than "
                        + agent.maxToolRounds() + " rounds; raise max_tool_rounds or change its instructions");
            }
            askBeforeGatedTools(response.toolCalls());
            messages.add(ChatMessage.assistant(response.content(), response.toolCalls()));
            messages.addAll(runTools(response.toolCalls()));
            request = request.withMessages(messages);
        }
    }

    private LlmResponse callModel(LlmRequest request) {
        GovernanceChecks.beforeModelCall(run, agent.policy(), provider, request);
        String breaker = CircuitBreakers.modelKey(provider.name(), request.model());
        run.governance.breakers().tryAcquire(breaker).ifPresent(open -> {
            throw new GovernanceException(open.blocked());
        });
        long t0 = System.nanoTime();
        try {
            LlmResponse response = streamModel(request);
            run.governance.breakers().succeeded(breaker, System.nanoTime() - t0);
            return response;
        } catch (RuntimeException e) {
            if (!Thread.currentThread().isInterrupted()) {
                // a call cut short by the step's timeout or the run's stop says nothing about the provider
                run.governance.breakers().failed(breaker, System.nanoTime() - t0, e);
            }
            throw e;
        }
    }

    private LlmResponse streamModel(LlmRequest request) {
        Span span = run.tracer
                .spanBuilder("meshflow.llm " + provider.name())
                .setParent(step.traceContext())
                .setAttribute("gen_ai.system", provider.name())
                .setAttribute("gen_ai.request.model", request.model())
                .setAttribute("meshflow.agent_id", agent.id())
                .startSpan();
        String stepId = step.stepId();
        String nodeId = step.nodeId();
        List<String> path = step.path();
        try {
            LlmResponse response = provider.stream(
                    request,
                    chunk -> run.bus.publish(seq -> new MeshEvent.TokenDelta(
                            seq,
                            run.runId,
                            stepId,
                            nodeId,
                            run.tenantId,
                            run.clock.instant(),
                            path,
                            agent.id(),
                            chunk.text())));
            span.setAttribute("gen_ai.usage.input_tokens", response.usage().inputTokens());
            span.setAttribute("gen_ai.usage.output_tokens", response.usage().outputTokens());
            return response;
        } catch (ProviderException e) {
            span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
            throw e;
        } catch (RuntimeException e) {
            span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
            throw new ProviderException(provider.name(), "call failed: " + e, e);
        } finally {
            span.end();
        }
    }

    /**
     * Stops the step before any tool of the round runs when one of them needs a person's approval that was not given
     * for exactly this call; the call is recorded as awaiting approval. A call the scope check (DASC) refuses anyway
     * is not put to a person: the check deals with it when the round runs.
     */
    private void askBeforeGatedTools(List<ToolCall> calls) {
        var gated = run.policy.humanInLoop().tools();
        if (gated.isEmpty()) {
            return;
        }
        boolean scopeRefuses = run.policy.governance().dascAction() != DascAction.WARN;
        for (ToolCall call : calls) {
            String arguments = MeshJson.write(call.arguments());
            if (gated.contains(call.name())
                    && !(scopeRefuses && outOfScope(call, arguments).isPresent())
                    && !step.toolApproved(call.name(), arguments)) {
                step.recordToolCalls(List.of(new ToolCallRecord(
                        call.id(), call.name(), arguments, "awaiting a person's approval", true, 0)));
                throw new ToolApprovalRequired(agent.id(), call.name(), arguments);
            }
        }
    }

    /** A tool call's answer for the model and its record for the ledger. */
    private record Answer(ChatMessage message, ToolCallRecord record) {}

    private List<ChatMessage> runTools(List<ToolCall> calls) {
        if (calls.size() == 1) {
            Answer answer = runTool(calls.get(0));
            step.recordToolCalls(List.of(answer.record()));
            return List.of(answer.message());
        }
        List<Future<Answer>> futures = new ArrayList<>(calls.size());
        for (ToolCall call : calls) {
            FutureTask<Answer> task = new FutureTask<>(() -> runTool(call));
            Thread.startVirtualThread(task);
            futures.add(task);
        }
        List<ChatMessage> results = new ArrayList<>(calls.size());
        List<ToolCallRecord> records = new ArrayList<>(calls.size());
        try {
            for (Future<Answer> future : futures) {
                Answer answer = future.get();
                results.add(answer.message());
                records.add(answer.record());
            }
            step.recordToolCalls(records);
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new MeshFlowException("interrupted while tools of agent '" + agent.id() + "' ran", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GovernanceException refused) {
                throw refused;
            }
            throw new MeshFlowException("a tool of agent '" + agent.id() + "' failed: " + e.getCause(), e.getCause());
        }
        return results;
    }

    private Answer runTool(ToolCall call) {
        String stepId = step.stepId();
        String nodeId = step.nodeId();
        List<String> path = step.path();
        run.bus.publish(seq -> new MeshEvent.ToolCall(
                seq,
                run.runId,
                stepId,
                nodeId,
                run.tenantId,
                run.clock.instant(),
                path,
                agent.id(),
                call.id(),
                call.name(),
                call.arguments()));
        Span span = run.tracer
                .spanBuilder("meshflow.tool " + call.name())
                .setParent(step.traceContext())
                .setAttribute("meshflow.tool", call.name())
                .startSpan();
        long t0 = System.nanoTime();
        String arguments = MeshJson.write(call.arguments());
        ToolResult result;
        try {
            result = governedInvoke(call, arguments);
        } catch (GovernanceException refused) {
            span.setStatus(StatusCode.ERROR, refused.getMessage());
            span.end();
            step.recordToolCalls(List.of(new ToolCallRecord(
                    call.id(),
                    call.name(),
                    arguments,
                    "refused: " + refused.verdict().reason() + ": "
                            + refused.verdict().detail(),
                    true,
                    (System.nanoTime() - t0) / 1_000_000)));
            throw refused;
        }
        long durationMs = (System.nanoTime() - t0) / 1_000_000;
        if (result.isError()) {
            span.setStatus(StatusCode.ERROR, result.content());
        }
        span.end();
        run.bus.publish(seq -> new MeshEvent.ToolResult(
                seq,
                run.runId,
                stepId,
                nodeId,
                run.tenantId,
                run.clock.instant(),
                path,
                agent.id(),
                call.id(),
                call.name(),
                result.content(),
                result.isError(),
                durationMs));
        return new Answer(
                ChatMessage.toolResult(call.id(), call.name(), result.content()),
                new ToolCallRecord(call.id(), call.name(), arguments, result.content(), result.isError(), durationMs));
    }

    /**
     * The governance checks around a tool call: the scope check (DASC) and the guardian on the arguments before it,
     * and the guardian on the result after it (the tool's circuit breaker is in {@link #invoke}).
     *
     * @throws GovernanceException when a check refuses the call or blocks the step
     */
    private ToolResult governedInvoke(ToolCall call, String arguments) {
        String stepId = step.stepId();
        Optional<GovernanceBlock> outOfScope = outOfScope(call, arguments);
        if (outOfScope.isPresent() && GovernanceChecks.refuse(run, stepId, outOfScope.get()) == DascAction.TOOL_ERROR) {
            return ToolResult.error("refused by the delegated action scope check: "
                    + outOfScope.get().evidence());
        }
        GovernanceChecks.guard(run, stepId, new GuardianSubject.ToolArguments(agent.id(), call.name(), arguments));
        ToolResult result = invoke(call);
        GovernanceChecks.guard(run, stepId, new GuardianSubject.ToolOutput(agent.id(), call.name(), result.content()));
        return result;
    }

    /**
     * The scope check of a tool call: may the agent call the tool, and see the data classes of its results?
     */
    private Optional<GovernanceBlock> outOfScope(ToolCall call, String arguments) {
        Tool tool = tools.get(call.name());
        return run.governance
                .checkTool(agent.id(), call.name(), arguments)
                .or(() -> tool == null
                        ? Optional.empty()
                        : run.governance.checkDataClasses(
                                agent.id(), "the results of tool '" + call.name() + "'", tool.dataClasses()));
    }

    /**
     * Runs one call: the arguments are checked against the tool's input schema first, and whatever goes wrong (an
     * unknown tool, invalid arguments, a tool that throws) becomes an error result for the model, never a failed run.
     * A tool whose circuit breaker is open is not called: that blocks the step ({@link GovernanceException}).
     */
    private ToolResult invoke(ToolCall call) {
        Tool tool = tools.get(call.name());
        if (tool == null) {
            return ToolResult.error("unknown tool '" + call.name() + "'; available: " + tools.keySet());
        }
        JsonNode arguments = call.arguments();
        if (arguments.isNull() || arguments.isMissingNode()) {
            arguments = MeshJson.mapper().createObjectNode();
        }
        List<String> problems = JsonSchemaValidator.validate(tool.inputSchema(), arguments);
        if (!problems.isEmpty()) {
            return ToolResult.error("invalid arguments for tool '" + call.name() + "': " + String.join("; ", problems)
                    + ". Call it again with arguments that match its input schema: " + tool.inputSchema());
        }
        // the tool's circuit breaker counts what the tool itself does, not the model's unknown names or bad arguments
        String breaker = CircuitBreakers.toolKey(call.name());
        run.governance.breakers().tryAcquire(breaker).ifPresent(open -> {
            throw new GovernanceException(open.blocked());
        });
        long t0 = System.nanoTime();
        try {
            ToolResult result = tool.call(arguments);
            if (result.isError()) {
                run.governance
                        .breakers()
                        .failed(breaker, System.nanoTime() - t0, new MeshFlowException(result.content()));
            } else {
                run.governance.breakers().succeeded(breaker, System.nanoTime() - t0);
            }
            return result;
        } catch (RuntimeException e) {
            run.governance.breakers().failed(breaker, System.nanoTime() - t0, e);
            String message = e.getMessage();
            return ToolResult.error("tool '" + call.name() + "' failed: "
                    + e.getClass().getSimpleName() + (message == null ? "" : ": " + message));
        }
    }
}
