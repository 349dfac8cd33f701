-- MeshFlow ledger, schema version 7: the OpenTelemetry trace id of each run (32 hex digits), so that a run in the
-- ledger leads to its spans in the tracing backend. NULL for runs recorded without a tracing SDK.
ALTER TABLE runs ADD COLUMN trace_id TEXT;
