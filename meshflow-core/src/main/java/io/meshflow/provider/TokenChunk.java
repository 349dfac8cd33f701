package io.meshflow.provider;

/**
 * A piece of a model's reply, delivered while the model generates it.
 *
 * @param text the text of this piece (one or a few tokens)
 * @param agentId the agent whose step produced it
 * @param stepId the step it belongs to
 */
public record TokenChunk(String text, String agentId, String stepId) {}
