package io.meshflow.cli;

import io.meshflow.ledger.RunStatus;

/** The process exit codes of {@code meshflow}; scripts may rely on them. */
enum ExitCode {
    /** The run completed, or the file is valid. */
    COMPLETED(0),
    /** The run failed: a step threw, a loop hit its cap, a provider call failed. */
    FAILED(1),
    /** Invalid usage, or an invalid or unreadable workflow file. */
    USAGE(2),
    /** A policy or check blocked the run. */
    BLOCKED(3),
    /** The run paused for a human decision. */
    PAUSED(4),
    /** A reviewer (or a pause's timeout rule) rejected the run. */
    REJECTED(5),
    /** The run was cancelled (Ctrl-C): 128 + SIGINT, as shells report it. */
    CANCELLED(130);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    /** The numeric code the process exits with. */
    int code() {
        return code;
    }

    /** The exit code for how a run ended. */
    static ExitCode of(RunStatus status) {
        return switch (status) {
            case COMPLETED -> COMPLETED;
            case FAILED, RUNNING -> FAILED;
            case BLOCKED -> BLOCKED;
            case PAUSED -> PAUSED;
            case CANCELLED -> CANCELLED;
            case REJECTED -> REJECTED;
        };
    }
}
