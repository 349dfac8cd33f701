/**
 * Tools made from Java code: {@link io.meshflow.tools.JavaTools} turns {@link io.meshflow.tools.ToolMethod}-annotated
 * methods and record-typed handlers into {@link io.meshflow.tool.Tool}s whose input JSON Schemas
 * {@link io.meshflow.tools.JsonSchemas} derives from the Java types.
 */
@NullMarked
package io.meshflow.tools;

import org.jspecify.annotations.NullMarked;
