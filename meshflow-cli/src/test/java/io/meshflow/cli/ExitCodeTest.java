package io.meshflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshflow.ledger.RunStatus;
import org.junit.jupiter.api.Test;

class ExitCodeTest {

    @Test
    void eachRunStatus_mapsToItsDocumentedCode() {
        assertThat(ExitCode.of(RunStatus.COMPLETED).code()).isZero();
        assertThat(ExitCode.of(RunStatus.FAILED).code()).isEqualTo(1);
        assertThat(ExitCode.USAGE.code()).isEqualTo(2);
        assertThat(ExitCode.of(RunStatus.BLOCKED).code()).isEqualTo(3);
        assertThat(ExitCode.of(RunStatus.PAUSED).code()).isEqualTo(4);
        assertThat(ExitCode.of(RunStatus.CANCELLED).code()).isEqualTo(130);
    }
}
