-- MeshFlow ledger, schema version 3: one checkpoint row per run, which also holds the run's chain head.
--
-- Since schema version 2 the engine's checkpoint refers to the step records holding each node's output instead of
-- copying them, so the step records are the evidence and the checkpoint is only where a resume starts. Keeping a
-- row per step made every append write three more indexes; now each run has one row, moved forward in the same
-- transaction as each step it follows. The row is created with the run and also keeps the run's chain head
-- (chain_seq, chain_head: the last seq and entry hash, so that records removed from the end are detected), which
-- version 2 kept in the runs row: an append now changes one row besides its own instead of two. The runs row
-- gets the final head when the run ends. Checkpoints written by version 2 stay readable, unchanged, in
-- workflow_checkpoint_history; the latest of each run is copied into the new table, with its run's chain head.

ALTER TABLE workflow_checkpoints RENAME TO workflow_checkpoint_history;
ALTER TABLE workflow_checkpoint_history RENAME CONSTRAINT workflow_checkpoints_pkey TO workflow_checkpoint_history_pkey;
ALTER TRIGGER workflow_checkpoints_append_only ON workflow_checkpoint_history
    RENAME TO workflow_checkpoint_history_append_only;
DROP INDEX workflow_checkpoints_by_tenant_run;

CREATE TABLE workflow_checkpoints (
    run_id           TEXT    NOT NULL PRIMARY KEY REFERENCES runs (run_id),
    tenant_id        TEXT    NOT NULL DEFAULT 'default',
    chain_seq        BIGINT  NOT NULL DEFAULT 0,
    chain_head       TEXT,
    step_seq         BIGINT,
    status           TEXT,
    paused_for_human BOOLEAN NOT NULL DEFAULT FALSE,
    reviewer_id      TEXT,
    review_notes     TEXT,
    review_timestamp TEXT,
    state            TEXT,
    created_at       TEXT
);

-- every run gets its row: its chain head from the runs row, its latest checkpoint (if any) from the history
INSERT INTO workflow_checkpoints (run_id, tenant_id, chain_seq, chain_head, step_seq, status, paused_for_human,
                                  reviewer_id, review_notes, review_timestamp, state, created_at)
SELECT r.run_id, r.tenant_id, r.chain_seq,
       CASE WHEN r.chain_head IS NULL AND r.chain_seq = 0 THEN '0000000000000000000000000000000000000000000000000000000000000000' ELSE r.chain_head END,
       h.step_seq, h.status, COALESCE(h.paused_for_human, FALSE), h.reviewer_id, h.review_notes,
       h.review_timestamp, h.state, h.created_at
FROM runs r
LEFT JOIN workflow_checkpoint_history h
       ON h.run_id = r.run_id
      AND h.step_seq = (SELECT MAX(x.step_seq) FROM workflow_checkpoint_history x WHERE x.run_id = r.run_id);

-- a run's chain head and checkpoint only move forward, stay with their run and tenant, and are never removed
CREATE FUNCTION meshflow_checkpoint_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'workflow_checkpoints rows are never deleted';
    END IF;
    IF NEW.chain_seq < OLD.chain_seq OR NEW.step_seq < OLD.step_seq OR NEW.run_id <> OLD.run_id OR NEW.tenant_id <> OLD.tenant_id THEN
        RAISE EXCEPTION 'a run''s checkpoint only moves forward';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER workflow_checkpoints_forward_only BEFORE UPDATE OR DELETE ON workflow_checkpoints
    FOR EACH ROW EXECUTE FUNCTION meshflow_checkpoint_forward_only();

-- the UNIQUE (run_id, seq) index serves every read of a run's records; this one only cost an index per append
DROP INDEX step_records_by_tenant_run;


-- the tool calls of a step (JSON array of call_id, tool_name, arguments, result, error, duration_ms), part of its
-- content: records written from now on (hash_version 2) hash them into content_hash
ALTER TABLE step_records ADD COLUMN tool_calls TEXT;
