package io.meshflow.ledger;

/**
 * When a run's steps are committed to the ledger relative to the run moving on (LangGraph calls the same choice
 * {@code durability}). Either way every step is recorded in order, with its checkpoint in the same transaction, and
 * a run does not end before all its steps are committed.
 */
public enum Durability {
    /**
     * Each step is committed before its end is announced and the run moves on (the default): a step that the events
     * reported is in the ledger, and a crash loses at most the steps that were running.
     */
    SYNC,

    /**
     * Steps are committed in order by a background writer while the run moves on, several per transaction when the
     * run is faster than the ledger; the writer starts a couple of milliseconds after a step is handed over, so a
     * run that ends sooner commits all its steps itself, in one transaction, as it ends. A step's end may be
     * announced before it is committed; a crash can lose the last
     * steps that were not yet committed, and resuming runs them again. If the ledger fails, the run stops at its next
     * step and ends {@link RunStatus#FAILED}, and nothing after the failed step is recorded.
     */
    ASYNC
}
