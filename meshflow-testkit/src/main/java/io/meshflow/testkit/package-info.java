/**
 * Test doubles for code that calls models over HTTP: {@link io.meshflow.testkit.FakeLlmServer}, a local server that
 * replays scripted responses (JSON, or server-sent events written one event at a time) and records every request, and
 * builders of the vendors' wire formats ({@link io.meshflow.testkit.AnthropicWire}, {@link io.meshflow.testkit.OpenAiWire}).
 */
@NullMarked
package io.meshflow.testkit;

import org.jspecify.annotations.NullMarked;
