-- MeshFlow ledger, schema version 8: the durable run queue that server replicas share, and the relay of run events
-- from the replica that executes a run to clients connected to any replica.
--
-- A queue row moves QUEUED -> CLAIMED -> DONE. A replica claims a row with a lease (lease_until) that it renews while
-- the run executes; a row whose lease has passed is claimable again, so a replica that died leaves its runs to the
-- others, which resume them from their last checkpoint. Every move is a conditional UPDATE naming the expected state
-- and owner, so two replicas never both own a run. A decided pause puts a DONE row back to QUEUED (kind RESUME).
-- Additive only: a server of schema version 7 keeps working beside one of version 8 during a rolling update.

CREATE TABLE run_queue (
    run_id           TEXT    NOT NULL PRIMARY KEY,
    tenant_id        TEXT    NOT NULL,
    workflow_name    TEXT    NOT NULL,
    kind             TEXT    NOT NULL CHECK (kind IN ('START', 'RESUME')),
    request          TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('QUEUED', 'CLAIMED', 'DONE')),
    owner            TEXT,
    lease_until      TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    enqueued_at      TEXT    NOT NULL,
    claimed_at       TEXT,
    done_at          TEXT,
    outcome          TEXT
);

-- the workers' question: which rows are queued, or claimed with a lease that has passed
CREATE INDEX run_queue_claimable ON run_queue (state, lease_until);
CREATE INDEX run_queue_by_owner ON run_queue (owner, state);
CREATE INDEX run_queue_by_tenant_state ON run_queue (tenant_id, state);

-- Events of runs, written in batches by the replica that executes the run (attempt = the queue row's attempts when
-- it was written), read by followers on other replicas in event_id order; kept for a while after the run ends.
CREATE TABLE run_events (
    event_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id      TEXT    NOT NULL,
    tenant_id   TEXT    NOT NULL,
    attempt     INTEGER NOT NULL,
    seq         BIGINT  NOT NULL,
    event_type  TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);

CREATE INDEX run_events_by_run ON run_events (run_id, event_id);
CREATE INDEX run_events_by_age ON run_events (created_at);
