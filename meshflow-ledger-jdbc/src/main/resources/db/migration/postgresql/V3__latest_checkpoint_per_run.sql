-- MeshFlow ledger, schema version 3: one checkpoint row per run.
--
-- Since schema version 2 the engine's checkpoint refers to the step records holding each node's output instead of
-- copying them, so the step records are the evidence and the checkpoint is only where a resume starts. Keeping a
-- row per step made every append write three more indexes; now each run has one row, moved forward in the same
-- transaction as each step it follows. Checkpoints written by version 2 stay readable, unchanged, in
-- workflow_checkpoint_history; the latest of each run is copied into the new table.

ALTER TABLE workflow_checkpoints RENAME TO workflow_checkpoint_history;
ALTER TABLE workflow_checkpoint_history RENAME CONSTRAINT workflow_checkpoints_pkey TO workflow_checkpoint_history_pkey;
ALTER TRIGGER workflow_checkpoints_append_only ON workflow_checkpoint_history
    RENAME TO workflow_checkpoint_history_append_only;
DROP INDEX workflow_checkpoints_by_tenant_run;

CREATE TABLE workflow_checkpoints (
    run_id           TEXT    NOT NULL PRIMARY KEY REFERENCES runs (run_id),
    tenant_id        TEXT    NOT NULL DEFAULT 'default',
    step_seq         BIGINT  NOT NULL,
    status           TEXT    NOT NULL,
    paused_for_human BOOLEAN NOT NULL DEFAULT FALSE,
    reviewer_id      TEXT,
    review_notes     TEXT,
    review_timestamp TEXT,
    state            TEXT    NOT NULL,
    created_at       TEXT    NOT NULL
);

INSERT INTO workflow_checkpoints (run_id, tenant_id, step_seq, status, paused_for_human, reviewer_id, review_notes,
                                  review_timestamp, state, created_at)
SELECT DISTINCT ON (run_id) run_id, tenant_id, step_seq, status, paused_for_human, reviewer_id, review_notes,
       review_timestamp, state, created_at
FROM workflow_checkpoint_history
ORDER BY run_id, step_seq DESC;

-- a run's checkpoint only moves forward, stays with its run and tenant, and is never removed
CREATE FUNCTION meshflow_checkpoint_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'workflow_checkpoints rows are never deleted';
    END IF;
    IF NEW.step_seq < OLD.step_seq OR NEW.run_id <> OLD.run_id OR NEW.tenant_id <> OLD.tenant_id THEN
        RAISE EXCEPTION 'a run''s checkpoint only moves forward';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER workflow_checkpoints_forward_only BEFORE UPDATE OR DELETE ON workflow_checkpoints
    FOR EACH ROW EXECUTE FUNCTION meshflow_checkpoint_forward_only();

-- the UNIQUE (run_id, seq) index serves every read of a run's records; this one only cost an index per append
DROP INDEX step_records_by_tenant_run;

-- runs started from now on begin their chain at the genesis hash (64 zeros) instead of no head
UPDATE runs SET chain_head = '0000000000000000000000000000000000000000000000000000000000000000'
WHERE chain_head IS NULL AND chain_seq = 0;
