/** A {@link io.meshflow.memory.VectorIndex} in PostgreSQL with pgvector: {@link io.meshflow.memory.pgvector.PgVectorIndex}. */
@NullMarked
package io.meshflow.memory.pgvector;

import org.jspecify.annotations.NullMarked;
