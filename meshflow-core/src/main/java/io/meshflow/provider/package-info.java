/** The LLM provider contract, request and response records, token streaming, and the offline {@link io.meshflow.provider.ScriptedProvider}. */
@NullMarked
package io.meshflow.provider;

import org.jspecify.annotations.NullMarked;
