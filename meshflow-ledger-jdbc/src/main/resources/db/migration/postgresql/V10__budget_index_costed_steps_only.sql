-- MeshFlow ledger, schema version 10: the index behind a tenant's daily budget holds only the steps that cost
-- something.
--
-- step_records_by_tenant_ended serves one query, the tenant's spend since a moment (SUM(cost_usd) of its steps that
-- ended since then), to which a step that cost nothing adds nothing. Most steps cost nothing (function nodes, tool
-- steps, approvals, cached answers), and each still inserted an index entry: one more page written per append. The
-- partial index keeps the same answer; the query names the same condition so that it is used.

DROP INDEX step_records_by_tenant_ended;
CREATE INDEX step_records_by_tenant_ended ON step_records (tenant_id, ended_at) WHERE cost_usd <> 0;
