/** The minimal tool contract: a name, a description, a JSON Schema for the input and a handler. */
@NullMarked
package io.meshflow.tool;

import org.jspecify.annotations.NullMarked;
