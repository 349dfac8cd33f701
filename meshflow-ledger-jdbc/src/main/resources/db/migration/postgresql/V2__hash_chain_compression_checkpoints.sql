-- MeshFlow ledger, schema version 2: the hash chain, compressed outputs, verdict details, checkpoints, and
-- append-only enforcement. Rows written by version 1 read back with the defaults below (hash_version 0: recorded
-- before chaining).

ALTER TABLE step_records ADD COLUMN output_compressed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE step_records ADD COLUMN output_truncated BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE step_records ADD COLUMN verdict_detail TEXT;
ALTER TABLE step_records ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE step_records ADD COLUMN content_hash TEXT;
ALTER TABLE step_records ADD COLUMN prev_hash TEXT;
ALTER TABLE step_records ADD COLUMN entry_hash TEXT;

-- the chain's head, kept with the run so that records removed from the end are detected
ALTER TABLE runs ADD COLUMN chain_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN chain_head TEXT;
UPDATE runs SET chain_seq = COALESCE((SELECT MAX(s.seq) FROM step_records s WHERE s.run_id = runs.run_id), 0);

-- every checkpoint is kept (append-only); the latest per run is the one with the highest step_seq
CREATE TABLE workflow_checkpoints (
    run_id           TEXT    NOT NULL REFERENCES runs (run_id),
    tenant_id        TEXT    NOT NULL DEFAULT 'default',
    step_seq         BIGINT  NOT NULL,
    status           TEXT    NOT NULL,
    paused_for_human BOOLEAN NOT NULL DEFAULT FALSE,
    reviewer_id      TEXT,
    review_notes     TEXT,
    review_timestamp TEXT,
    state            TEXT    NOT NULL,
    created_at       TEXT    NOT NULL,
    PRIMARY KEY (run_id, step_seq),
    FOREIGN KEY (run_id, step_seq) REFERENCES step_records (run_id, seq)
);

CREATE INDEX workflow_checkpoints_by_tenant_run ON workflow_checkpoints (tenant_id, run_id, step_seq);

CREATE FUNCTION meshflow_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER step_records_append_only BEFORE UPDATE OR DELETE ON step_records
    FOR EACH ROW EXECUTE FUNCTION meshflow_append_only();

CREATE TRIGGER workflow_checkpoints_append_only BEFORE UPDATE OR DELETE ON workflow_checkpoints
    FOR EACH ROW EXECUTE FUNCTION meshflow_append_only();
