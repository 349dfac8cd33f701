/**
 * {@link io.meshflow.provider.gemini.GeminiProvider}: Google's Gemini models through the official Gen AI Java SDK
 * ({@code com.google.genai:google-genai}), registered as provider {@code gemini}.
 */
@NullMarked
package io.meshflow.provider.gemini;

import org.jspecify.annotations.NullMarked;
