package io.meshflow.ledger.jdbc;

import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every tamper case of {@link TamperIT} again, with the run verified in two halves at once (records 1-2 and 3-5 on
 * two connections), as long runs are: a problem in either half, or at the link between them, is named as when the
 * run is verified in one pass.
 */
@ParameterizedClass
@EnumSource(Backend.class)
class TamperSplitVerifyIT extends TamperIT {
    @Override
    JdbcLedger open() {
        return track(db.builder().parallelVerifyRecords(2).build());
    }
}
