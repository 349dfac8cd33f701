-- MeshFlow ledger, schema version 9: the agents' memory, kept beside the runs it came from.
--
-- agent_memories holds one row per memory of a scope (tenant, agent or all the tenant's agents, and optionally one
-- run; scope_key is MemoryScope.key()), ordered by position, with its embedding (float32, little-endian) and the model
-- that made it. agent_memory_sources names the runs each memory came from: erasing one of those runs (or its tenant)
-- erases the memory in the erasure's transaction, and the receipt counts it (erasure_receipts.memories).
-- agent_memory_scopes gives every written scope a revision that changes with each write, so that processes sharing
-- the ledger reload a scope another one changed. Additive only.

CREATE TABLE agent_memories (
    tenant_id       TEXT    NOT NULL,
    memory_id       TEXT    NOT NULL,
    scope_key       TEXT    NOT NULL,
    agent_id        TEXT,
    scope_run_id    TEXT,
    text            TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    position        INTEGER NOT NULL,
    embedding_model TEXT,
    embedding       BLOB,
    PRIMARY KEY (tenant_id, memory_id)
);

CREATE INDEX agent_memories_by_scope ON agent_memories (tenant_id, scope_key, position);
CREATE INDEX agent_memories_by_run ON agent_memories (tenant_id, scope_run_id);

CREATE TABLE agent_memory_sources (
    tenant_id TEXT NOT NULL,
    memory_id TEXT NOT NULL,
    run_id    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, memory_id, run_id)
);

CREATE INDEX agent_memory_sources_by_run ON agent_memory_sources (tenant_id, run_id);

CREATE TABLE agent_memory_scopes (
    tenant_id TEXT NOT NULL,
    scope_key TEXT NOT NULL,
    revision  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, scope_key)
);

ALTER TABLE erasure_receipts ADD COLUMN memories INTEGER NOT NULL DEFAULT 0;
