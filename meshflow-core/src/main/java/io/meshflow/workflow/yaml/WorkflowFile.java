package io.meshflow.workflow.yaml;

import io.meshflow.provider.ScriptedProvider;
import io.meshflow.workflow.WorkflowDefinition;
import org.jspecify.annotations.Nullable;

/**
 * A workflow file, loaded and validated.
 *
 * @param workflow the workflow, with its policy when the file declares one
 * @param task the file's default task ({@code task:}), or {@code null}; a task given at run time takes precedence
 * @param source where the workflow came from: the path as given to the loader, or the source name of loaded text
 * @param scripted the offline model built from the file's {@code providers.scripted} settings and its agents'
 *     {@code script:} lists; agents that use the scripted provider call this instance, so tests can inspect
 *     {@link ScriptedProvider#requests()}
 */
public record WorkflowFile(
        WorkflowDefinition workflow, @Nullable String task, String source, ScriptedProvider scripted) {}
