/**
 * The {@code meshflow} command: runs workflows with live, coloured token streaming or NDJSON events, validates
 * workflow files, and exports traces over OTLP when asked to. Entry point: {@link io.meshflow.cli.Main}.
 */
@NullMarked
package io.meshflow.cli;

import org.jspecify.annotations.NullMarked;
