/** Anthropic's Claude models through the official {@code anthropic-java} SDK: {@link io.meshflow.provider.anthropic.AnthropicProvider}. */
@NullMarked
package io.meshflow.provider.anthropic;

import org.jspecify.annotations.NullMarked;
