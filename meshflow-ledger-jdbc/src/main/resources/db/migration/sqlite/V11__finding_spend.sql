-- MeshFlow ledger, schema version 11: a finding can carry the spend of a model call that belongs to no step.
--
-- An agent's memory consolidation asks the agent's model for a summary after a step has committed. That call counted
-- in its run's totals, but the tenant's daily budget adds up step records only, so it never saw it. Its finding
-- (check 'memory') now carries the call's tokens and cost, and the tenant's spend adds up both; findings recorded
-- before this version carry none (0). The partial index serves the spend query as step_records_by_tenant_ended does.

ALTER TABLE audit_findings ADD COLUMN tokens_used INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_findings ADD COLUMN cost_usd    REAL    NOT NULL DEFAULT 0;

CREATE INDEX audit_findings_by_tenant_spend ON audit_findings (tenant_id, created_at) WHERE cost_usd <> 0;
