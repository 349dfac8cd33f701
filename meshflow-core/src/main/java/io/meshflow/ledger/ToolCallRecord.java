package io.meshflow.ledger;

/**
 * One tool call an agent made during a step, and what it got back, as the ledger keeps it with the step's record.
 * Tool calls are part of the step's content: they enter its {@code content_hash}, so they are as tamper-evident as its
 * input and output.
 *
 * @param callId the model's id for the call
 * @param toolName the tool called
 * @param arguments the arguments the model gave, as JSON text
 * @param result what the tool returned (or the error it reported), as given back to the model
 * @param error true when the result is an error
 * @param durationMs how long the tool ran
 */
public record ToolCallRecord(
        String callId, String toolName, String arguments, String result, boolean error, long durationMs) {}
