package io.meshflow.agent;

import io.meshflow.ledger.UncertaintySource;
import io.meshflow.provider.TokenUsage;

/**
 * An agent's final reply in a step, after any tool-call rounds.
 *
 * @param content the reply's text
 * @param usage tokens used by every model call of the step
 * @param costUsd cost of those calls
 * @param uncertainty 0..1
 * @param uncertaintySource where the uncertainty came from
 * @param modelCalls how many model calls the step made (1 plus one per tool round)
 */
public record AgentReply(
        String content,
        TokenUsage usage,
        double costUsd,
        double uncertainty,
        UncertaintySource uncertaintySource,
        int modelCalls) {}
