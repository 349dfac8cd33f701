-- MeshFlow ledger, schema version 4: erasure (GDPR) with receipts, and legal holds.
--
-- Records stay append-only, with two exceptions that need an erasure receipt first: a run's records may be deleted
-- (with its checkpoints and its runs row) once a receipt for deleting that run or its tenant exists, and a record's
-- text may be replaced once a receipt for anonymising its run exists and the record names it in erased_by, every
-- hashed field and hash staying as it was. The receipts say what was erased, when, by whom and how much, never the
-- content, and are themselves append-only.

CREATE TABLE erasure_receipts (
    receipt_id   TEXT    NOT NULL PRIMARY KEY,
    tenant_id    TEXT    NOT NULL DEFAULT 'default',
    action       TEXT    NOT NULL CHECK (action IN ('delete_run', 'anonymize_run', 'delete_tenant')),
    run_id       TEXT,
    requested_by TEXT    NOT NULL,
    reason       TEXT,
    created_at   TEXT    NOT NULL,
    runs         INTEGER NOT NULL DEFAULT 0,
    step_records INTEGER NOT NULL DEFAULT 0,
    checkpoints  INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX erasure_receipts_by_tenant ON erasure_receipts (tenant_id, created_at);

CREATE TRIGGER erasure_receipts_no_update BEFORE UPDATE ON erasure_receipts
BEGIN
    SELECT RAISE(ABORT, 'erasure_receipts is append-only');
END;

CREATE TRIGGER erasure_receipts_no_delete BEFORE DELETE ON erasure_receipts
BEGIN
    SELECT RAISE(ABORT, 'erasure_receipts is append-only');
END;

-- a hold on a run (run_id) or on a whole tenant (run_id = ''): erasure and retention must leave it alone
CREATE TABLE legal_holds (
    tenant_id TEXT NOT NULL DEFAULT 'default',
    run_id    TEXT NOT NULL DEFAULT '',
    reason    TEXT NOT NULL,
    placed_by TEXT NOT NULL,
    placed_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, run_id)
);

-- the receipt of the anonymisation that replaced a record's text
ALTER TABLE step_records ADD COLUMN erased_by TEXT;

DROP TRIGGER step_records_no_update;
CREATE TRIGGER step_records_no_update BEFORE UPDATE ON step_records
WHEN NOT (OLD.erased_by IS NULL
          AND NEW.erased_by IS NOT NULL
          AND EXISTS (SELECT 1 FROM erasure_receipts e
                      WHERE e.receipt_id = NEW.erased_by AND e.action = 'anonymize_run'
                        AND e.run_id = OLD.run_id AND e.tenant_id = OLD.tenant_id)
          AND NEW.step_id = OLD.step_id AND NEW.run_id = OLD.run_id AND NEW.seq = OLD.seq
          AND NEW.tenant_id = OLD.tenant_id AND NEW.node_id = OLD.node_id AND NEW.agent_id IS OLD.agent_id
          AND NEW.output_truncated = OLD.output_truncated AND NEW.verdict = OLD.verdict
          AND NEW.block_reason IS OLD.block_reason AND NEW.verdict_detail IS OLD.verdict_detail
          AND NEW.uncertainty = OLD.uncertainty AND NEW.uncertainty_source = OLD.uncertainty_source
          AND NEW.tokens_used = OLD.tokens_used AND NEW.cost_usd = OLD.cost_usd
          AND NEW.duration_ms = OLD.duration_ms AND NEW.started_at = OLD.started_at
          AND NEW.ended_at = OLD.ended_at AND NEW.hash_version = OLD.hash_version
          AND NEW.content_hash IS OLD.content_hash AND NEW.prev_hash IS OLD.prev_hash
          AND NEW.entry_hash IS OLD.entry_hash)
BEGIN
    SELECT RAISE(ABORT, 'step_records is append-only (only an anonymisation with an erasure receipt may replace its text)');
END;

DROP TRIGGER step_records_no_delete;
CREATE TRIGGER step_records_no_delete BEFORE DELETE ON step_records
WHEN NOT EXISTS (SELECT 1 FROM erasure_receipts e
                 WHERE e.tenant_id = OLD.tenant_id
                   AND ((e.action = 'delete_run' AND e.run_id = OLD.run_id) OR e.action = 'delete_tenant'))
BEGIN
    SELECT RAISE(ABORT, 'step_records is append-only (only an erasure with a receipt may delete)');
END;

DROP TRIGGER workflow_checkpoints_no_delete;
CREATE TRIGGER workflow_checkpoints_no_delete BEFORE DELETE ON workflow_checkpoints
WHEN NOT EXISTS (SELECT 1 FROM erasure_receipts e
                 WHERE e.tenant_id = OLD.tenant_id
                   AND ((e.action = 'delete_run' AND e.run_id = OLD.run_id) OR e.action = 'delete_tenant'))
BEGIN
    SELECT RAISE(ABORT, 'workflow_checkpoints rows are never deleted (except by an erasure with a receipt)');
END;

DROP TRIGGER workflow_checkpoint_history_no_delete;
CREATE TRIGGER workflow_checkpoint_history_no_delete BEFORE DELETE ON workflow_checkpoint_history
WHEN NOT EXISTS (SELECT 1 FROM erasure_receipts e
                 WHERE e.tenant_id = OLD.tenant_id
                   AND ((e.action = 'delete_run' AND e.run_id = OLD.run_id) OR e.action = 'delete_tenant'))
BEGIN
    SELECT RAISE(ABORT, 'workflow_checkpoint_history is append-only (only an erasure with a receipt may delete)');
END;
