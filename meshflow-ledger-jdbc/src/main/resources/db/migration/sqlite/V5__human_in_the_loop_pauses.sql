-- MeshFlow ledger, schema version 5: pauses for human decisions (human in the loop) and their webhook deliveries.
--
-- A pause row moves OPEN -> APPROVED/REJECTED exactly once, by a conditional UPDATE (status = 'OPEN'), so that two
-- reviewers or two timeout watchers on two replicas never both decide it. The decision itself also enters the run's
-- hash chain as a step record (agent 'reviewer:<id>'); this table is the index reviewers and watchers query.

CREATE TABLE hitl_pauses (
    pause_id         TEXT    NOT NULL PRIMARY KEY,
    run_id           TEXT    NOT NULL REFERENCES runs (run_id),
    tenant_id        TEXT    NOT NULL DEFAULT 'default',
    node_id          TEXT    NOT NULL,
    kind             TEXT    NOT NULL CHECK (kind IN ('BEFORE_NODE', 'AFTER_STEP', 'TOOL')),
    iteration        INTEGER NOT NULL,
    step_seq         INTEGER  NOT NULL DEFAULT 0,
    reason           TEXT    NOT NULL,
    context          TEXT    NOT NULL,
    approvers        TEXT    NOT NULL,
    level            INTEGER NOT NULL DEFAULT 0,
    on_timeout       TEXT    NOT NULL CHECK (on_timeout IN ('APPROVE', 'REJECT', 'ESCALATE')),
    status           TEXT    NOT NULL CHECK (status IN ('OPEN', 'APPROVED', 'REJECTED')),
    created_at       TEXT    NOT NULL,
    expires_at       TEXT,
    reviewer_id      TEXT,
    review_notes     TEXT,
    review_timestamp TEXT,
    applied_at       TEXT
);

CREATE INDEX hitl_pauses_by_run ON hitl_pauses (run_id);
-- the watcher's two questions: which open pauses are past their deadline, which decisions wait to be applied
CREATE INDEX hitl_pauses_by_status_deadline ON hitl_pauses (status, expires_at);

CREATE TABLE hitl_deliveries (
    pause_id     TEXT    NOT NULL REFERENCES hitl_pauses (pause_id),
    run_id       TEXT    NOT NULL,
    tenant_id    TEXT    NOT NULL DEFAULT 'default',
    attempt      INTEGER NOT NULL,
    url          TEXT    NOT NULL,
    status_code  INTEGER NOT NULL,
    error        TEXT,
    attempted_at TEXT    NOT NULL,
    PRIMARY KEY (pause_id, attempt)
);
