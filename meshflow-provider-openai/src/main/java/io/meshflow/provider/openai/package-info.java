/**
 * OpenAI, Azure OpenAI and OpenAI-compatible servers (Ollama, vLLM, LM Studio) through the official
 * {@code openai-java} SDK's chat completions: {@link io.meshflow.provider.openai.OpenAiProvider} and
 * {@link io.meshflow.provider.openai.AzureOpenAiProvider}.
 */
@NullMarked
package io.meshflow.provider.openai;

import org.jspecify.annotations.NullMarked;
