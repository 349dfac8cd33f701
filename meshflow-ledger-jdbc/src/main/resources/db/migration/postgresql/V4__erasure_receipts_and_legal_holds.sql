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
    runs         BIGINT  NOT NULL DEFAULT 0,
    step_records BIGINT  NOT NULL DEFAULT 0,
    checkpoints  BIGINT  NOT NULL DEFAULT 0
);

CREATE INDEX erasure_receipts_by_tenant ON erasure_receipts (tenant_id, created_at);

CREATE TRIGGER erasure_receipts_append_only BEFORE UPDATE OR DELETE ON erasure_receipts
    FOR EACH ROW EXECUTE FUNCTION meshflow_append_only();

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

CREATE FUNCTION meshflow_erasure_receipted(tenant TEXT, run TEXT) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM erasure_receipts e
                   WHERE e.tenant_id = tenant
                     AND ((e.action = 'delete_run' AND e.run_id = run) OR e.action = 'delete_tenant'))
$$;

CREATE FUNCTION meshflow_step_records_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF meshflow_erasure_receipted(OLD.tenant_id, OLD.run_id) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'step_records is append-only (only an erasure with a receipt may delete)';
    END IF;
    IF OLD.erased_by IS NULL
       AND NEW.erased_by IS NOT NULL
       AND EXISTS (SELECT 1 FROM erasure_receipts e
                   WHERE e.receipt_id = NEW.erased_by AND e.action = 'anonymize_run'
                     AND e.run_id = OLD.run_id AND e.tenant_id = OLD.tenant_id)
       AND ROW(NEW.step_id, NEW.run_id, NEW.seq, NEW.tenant_id, NEW.node_id, NEW.agent_id, NEW.output_truncated,
               NEW.verdict, NEW.block_reason, NEW.verdict_detail, NEW.uncertainty, NEW.uncertainty_source,
               NEW.tokens_used, NEW.cost_usd, NEW.duration_ms, NEW.started_at, NEW.ended_at, NEW.hash_version,
               NEW.content_hash, NEW.prev_hash, NEW.entry_hash)
           IS NOT DISTINCT FROM
           ROW(OLD.step_id, OLD.run_id, OLD.seq, OLD.tenant_id, OLD.node_id, OLD.agent_id, OLD.output_truncated,
               OLD.verdict, OLD.block_reason, OLD.verdict_detail, OLD.uncertainty, OLD.uncertainty_source,
               OLD.tokens_used, OLD.cost_usd, OLD.duration_ms, OLD.started_at, OLD.ended_at, OLD.hash_version,
               OLD.content_hash, OLD.prev_hash, OLD.entry_hash) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'step_records is append-only (only an anonymisation with an erasure receipt may replace its text)';
END;
$$;

DROP TRIGGER step_records_append_only ON step_records;
CREATE TRIGGER step_records_append_only BEFORE UPDATE OR DELETE ON step_records
    FOR EACH ROW EXECUTE FUNCTION meshflow_step_records_guard();

CREATE FUNCTION meshflow_checkpoint_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF meshflow_erasure_receipted(OLD.tenant_id, OLD.run_id) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'workflow_checkpoints rows are never deleted (except by an erasure with a receipt)';
    END IF;
    IF NEW.chain_seq < OLD.chain_seq OR NEW.step_seq < OLD.step_seq OR NEW.run_id <> OLD.run_id OR NEW.tenant_id <> OLD.tenant_id THEN
        RAISE EXCEPTION 'a run''s checkpoint only moves forward';
    END IF;
    RETURN NEW;
END;
$$;

DROP TRIGGER workflow_checkpoints_forward_only ON workflow_checkpoints;
CREATE TRIGGER workflow_checkpoints_forward_only BEFORE UPDATE OR DELETE ON workflow_checkpoints
    FOR EACH ROW EXECUTE FUNCTION meshflow_checkpoint_guard();

CREATE FUNCTION meshflow_history_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND meshflow_erasure_receipted(OLD.tenant_id, OLD.run_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'workflow_checkpoint_history is append-only (only an erasure with a receipt may delete)';
END;
$$;

DROP TRIGGER workflow_checkpoint_history_append_only ON workflow_checkpoint_history;
CREATE TRIGGER workflow_checkpoint_history_append_only BEFORE UPDATE OR DELETE ON workflow_checkpoint_history
    FOR EACH ROW EXECUTE FUNCTION meshflow_history_guard();
