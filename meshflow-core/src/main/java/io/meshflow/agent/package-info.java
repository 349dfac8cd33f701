/** Agents (an identity, instructions, a model and tools) and team patterns that wire agents into workflows. */
@NullMarked
package io.meshflow.agent;

import org.jspecify.annotations.NullMarked;
