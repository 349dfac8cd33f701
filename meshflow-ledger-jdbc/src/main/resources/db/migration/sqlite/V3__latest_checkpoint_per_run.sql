-- MeshFlow ledger, schema version 3: one checkpoint row per run.
--
-- Since schema version 2 the engine's checkpoint refers to the step records holding each node's output instead of
-- copying them, so the step records are the evidence and the checkpoint is only where a resume starts. Keeping a
-- row per step made every append write three more B-trees; now each run has one row, moved forward in the same
-- transaction as each step it follows. Checkpoints written by version 2 stay readable, unchanged, in
-- workflow_checkpoint_history; the latest of each run is copied into the new table.

ALTER TABLE workflow_checkpoints RENAME TO workflow_checkpoint_history;
DROP TRIGGER workflow_checkpoints_no_update;
DROP TRIGGER workflow_checkpoints_no_delete;
DROP INDEX workflow_checkpoints_by_tenant_run;

CREATE TRIGGER workflow_checkpoint_history_no_update BEFORE UPDATE ON workflow_checkpoint_history
BEGIN
    SELECT RAISE(ABORT, 'workflow_checkpoint_history is append-only');
END;

CREATE TRIGGER workflow_checkpoint_history_no_delete BEFORE DELETE ON workflow_checkpoint_history
BEGIN
    SELECT RAISE(ABORT, 'workflow_checkpoint_history is append-only');
END;

CREATE TABLE workflow_checkpoints (
    run_id           TEXT    NOT NULL PRIMARY KEY REFERENCES runs (run_id),
    tenant_id        TEXT    NOT NULL DEFAULT 'default',
    step_seq         INTEGER NOT NULL,
    status           TEXT    NOT NULL,
    paused_for_human INTEGER NOT NULL DEFAULT 0,
    reviewer_id      TEXT,
    review_notes     TEXT,
    review_timestamp TEXT,
    state            TEXT    NOT NULL,
    created_at       TEXT    NOT NULL
) WITHOUT ROWID;

INSERT INTO workflow_checkpoints (run_id, tenant_id, step_seq, status, paused_for_human, reviewer_id, review_notes,
                                  review_timestamp, state, created_at)
SELECT h.run_id, h.tenant_id, h.step_seq, h.status, h.paused_for_human, h.reviewer_id, h.review_notes,
       h.review_timestamp, h.state, h.created_at
FROM workflow_checkpoint_history h
WHERE h.step_seq = (SELECT MAX(x.step_seq) FROM workflow_checkpoint_history x WHERE x.run_id = h.run_id);

-- a run's checkpoint only moves forward, stays with its run and tenant, and is never removed
CREATE TRIGGER workflow_checkpoints_forward_only BEFORE UPDATE ON workflow_checkpoints
WHEN NEW.step_seq < OLD.step_seq OR NEW.run_id <> OLD.run_id OR NEW.tenant_id <> OLD.tenant_id
BEGIN
    SELECT RAISE(ABORT, 'a run''s checkpoint only moves forward');
END;

CREATE TRIGGER workflow_checkpoints_no_delete BEFORE DELETE ON workflow_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'workflow_checkpoints rows are never deleted');
END;

-- the UNIQUE (run_id, seq) index serves every read of a run's records; this one only cost a B-tree per append
DROP INDEX step_records_by_tenant_run;

-- runs started from now on begin their chain at the genesis hash (64 zeros) instead of no head
UPDATE runs SET chain_head = '0000000000000000000000000000000000000000000000000000000000000000'
WHERE chain_head IS NULL AND chain_seq = 0;
