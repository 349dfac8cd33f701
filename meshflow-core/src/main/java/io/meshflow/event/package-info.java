/** The events of a run (a sealed hierarchy with a fixed JSON wire format) and their delivery to consumers. */
@NullMarked
package io.meshflow.event;

import org.jspecify.annotations.NullMarked;
