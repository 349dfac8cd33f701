-- MeshFlow ledger, schema version 6: the governance kernel's evidence.
--
-- agent_identities: the did:key of every agent identity an engine on this ledger used, so that verification can tell
-- a record signed by its agent's own key from one signed by an unknown key. identity_revocations: the revocation
-- list, append-only, read by every engine before each agent step. step_signatures: the Ed25519 signature of each
-- signed step record over its entry_hash (the 64 hex characters as ASCII), written in the record's own transaction.
-- audit_findings: what the guardian (warnings), the scope check and the collusion audit found about a run.
-- (Version 5 belongs to the human-in-the-loop approvals; the versions are independent of each other.)

CREATE TABLE agent_identities (
    did           TEXT NOT NULL PRIMARY KEY,
    agent_id      TEXT NOT NULL,
    registered_at TEXT NOT NULL
);

CREATE INDEX agent_identities_by_agent ON agent_identities (agent_id);

CREATE TABLE identity_revocations (
    did        TEXT NOT NULL PRIMARY KEY,
    agent_id   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    revoked_by TEXT NOT NULL,
    revoked_at TEXT NOT NULL
);

CREATE TRIGGER identity_revocations_no_update BEFORE UPDATE ON identity_revocations
BEGIN
    SELECT RAISE(ABORT, 'identity_revocations is append-only');
END;

CREATE TRIGGER identity_revocations_no_delete BEFORE DELETE ON identity_revocations
BEGIN
    SELECT RAISE(ABORT, 'identity_revocations is append-only');
END;

CREATE TABLE step_signatures (
    run_id    TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    tenant_id TEXT    NOT NULL DEFAULT 'default',
    step_id   TEXT    NOT NULL,
    signer    TEXT    NOT NULL,
    signature TEXT    NOT NULL,
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE audit_findings (
    finding_id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  TEXT NOT NULL DEFAULT 'default',
    run_id     TEXT NOT NULL,
    step_id    TEXT,
    check_name TEXT NOT NULL,
    rule       TEXT NOT NULL,
    severity   TEXT NOT NULL,
    evidence   TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE INDEX audit_findings_by_run ON audit_findings (tenant_id, run_id, finding_id);

CREATE INDEX step_records_by_tenant_ended ON step_records (tenant_id, ended_at);
