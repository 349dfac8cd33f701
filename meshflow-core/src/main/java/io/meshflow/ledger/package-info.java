/** The audit ledger contract, its records, and the in-memory implementation. */
@NullMarked
package io.meshflow.ledger;

import org.jspecify.annotations.NullMarked;
