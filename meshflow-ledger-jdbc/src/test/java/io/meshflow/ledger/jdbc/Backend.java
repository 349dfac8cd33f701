package io.meshflow.ledger.jdbc;

/** The two back ends every ledger test runs on. */
enum Backend {
    SQLITE,
    POSTGRES
}
