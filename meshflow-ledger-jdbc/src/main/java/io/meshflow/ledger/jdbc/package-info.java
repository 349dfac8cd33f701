/**
 * The durable audit ledger on SQLite and PostgreSQL: {@link io.meshflow.ledger.jdbc.JdbcLedger}, its hash chain
 * ({@link io.meshflow.ledger.jdbc.HashChain}) and chain verification
 * ({@link io.meshflow.ledger.jdbc.ChainVerification}). Schemas are created and upgraded by Flyway migrations under
 * {@code db/migration/sqlite} and {@code db/migration/postgresql}.
 */
@NullMarked
package io.meshflow.ledger.jdbc;

import org.jspecify.annotations.NullMarked;
