-- MeshFlow ledger, schema version 1: runs and their step records.
-- Timestamps are UTC text with nine fractional digits (2026-11-26T14:47:22.123456789Z): readable and ordered as text.

CREATE TABLE runs (
    run_id        TEXT    NOT NULL PRIMARY KEY,
    tenant_id     TEXT    NOT NULL DEFAULT 'default',
    workflow_name TEXT    NOT NULL,
    task          TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    started_at    TEXT    NOT NULL,
    ended_at      TEXT,
    steps         INTEGER NOT NULL DEFAULT 0,
    tokens_used   INTEGER NOT NULL DEFAULT 0,
    cost_usd      REAL    NOT NULL DEFAULT 0,
    output        TEXT,
    error         TEXT
);

CREATE INDEX runs_by_tenant_started ON runs (tenant_id, started_at);

CREATE TABLE step_records (
    step_id            TEXT    NOT NULL PRIMARY KEY,
    run_id             TEXT    NOT NULL REFERENCES runs (run_id),
    seq                INTEGER NOT NULL,
    tenant_id          TEXT    NOT NULL DEFAULT 'default',
    node_id            TEXT    NOT NULL,
    agent_id           TEXT,
    input_task         TEXT    NOT NULL,
    output_content     TEXT    NOT NULL,
    verdict            TEXT    NOT NULL,
    block_reason       TEXT,
    uncertainty        REAL    NOT NULL,
    uncertainty_source TEXT    NOT NULL,
    tokens_used        INTEGER NOT NULL,
    cost_usd           REAL    NOT NULL,
    duration_ms        INTEGER NOT NULL,
    started_at         TEXT    NOT NULL,
    ended_at           TEXT    NOT NULL,
    UNIQUE (run_id, seq)
);

CREATE INDEX step_records_by_tenant_run ON step_records (tenant_id, run_id, seq);
