/** Loading workflow definitions from YAML, with errors that name file, line and problem. */
@NullMarked
package io.meshflow.workflow.yaml;

import org.jspecify.annotations.NullMarked;
