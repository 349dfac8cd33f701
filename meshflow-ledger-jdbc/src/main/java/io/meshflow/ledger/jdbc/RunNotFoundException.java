package io.meshflow.ledger.jdbc;

import io.meshflow.ledger.LedgerException;

/** No run with the given id is recorded in the given tenant. */
public final class RunNotFoundException extends LedgerException {
    private static final long serialVersionUID = 1L;

    /** The run id that was asked for. */
    private final String runId;

    /** The tenant it was asked for in. */
    private final String tenantId;

    /** Creates the exception for a run id looked up in a tenant. */
    public RunNotFoundException(String tenantId, String runId) {
        super("run '" + runId + "' not found in tenant '" + tenantId + "'");
        this.runId = runId;
        this.tenantId = tenantId;
    }

    /** The run id that was asked for. */
    public String runId() {
        return runId;
    }

    /** The tenant it was asked for in. */
    public String tenantId() {
        return tenantId;
    }
}
