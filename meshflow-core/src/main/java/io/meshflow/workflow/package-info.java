/** Workflow graphs: nodes, ordinary, conditional and loop edges, validation at build time, and the node-type SPI. */
@NullMarked
package io.meshflow.workflow;

import org.jspecify.annotations.NullMarked;
