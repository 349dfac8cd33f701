package io.meshflow.ledger.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.ToolCallRecord;
import io.meshflow.ledger.UncertaintySource;
import io.meshflow.policy.Verdict;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A {@code step_records} row as stored, before interpretation: verification must be able to look at rows that no
 * longer parse (a verdict changed to an unknown name, a damaged compressed output).
 */
record StoredStep(
        String runId,
        String stepId,
        long seq,
        String tenantId,
        String nodeId,
        @Nullable String agentId,
        String inputTask,
        String storedOutput,
        boolean outputCompressed,
        boolean outputTruncated,
        String verdict,
        @Nullable String blockReason,
        @Nullable String verdictDetail,
        double uncertainty,
        String uncertaintySource,
        long tokensUsed,
        double costUsd,
        long durationMs,
        String startedAt,
        String endedAt,
        int hashVersion,
        @Nullable String contentHash,
        @Nullable String prevHash,
        @Nullable String entryHash,
        @Nullable String toolCalls) {

    /** The columns {@link #read} expects, in order. */
    static final String COLUMNS = "run_id, step_id, seq, tenant_id, node_id, agent_id, input_task, output_content,"
            + " output_compressed, output_truncated, verdict, block_reason, verdict_detail, uncertainty,"
            + " uncertainty_source, tokens_used, cost_usd, duration_ms, started_at, ended_at, hash_version,"
            + " content_hash, prev_hash, entry_hash, tool_calls";

    static StoredStep read(ResultSet rs) throws SQLException {
        return new StoredStep(
                rs.getString(1),
                rs.getString(2),
                rs.getLong(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                rs.getString(7),
                rs.getString(8),
                rs.getBoolean(9),
                rs.getBoolean(10),
                rs.getString(11),
                rs.getString(12),
                rs.getString(13),
                rs.getDouble(14),
                rs.getString(15),
                rs.getLong(16),
                rs.getDouble(17),
                rs.getLong(18),
                rs.getString(19),
                rs.getString(20),
                rs.getInt(21),
                rs.getString(22),
                rs.getString(23),
                rs.getString(24),
                rs.getString(25));
    }

    /**
     * The output, decompressed when stored compressed.
     *
     * @throws IOException when the stored form is damaged
     */
    String output() throws IOException {
        return OutputCodec.decode(storedOutput, outputCompressed);
    }

    /**
     * The step record with the given (decoded) output.
     *
     * @throws IllegalArgumentException or {@link java.time.format.DateTimeParseException} when a column no longer
     *     holds a valid value (including tool calls that are not the JSON the ledger wrote)
     */
    StepRecord toRecord(String output) {
        List<ToolCallRecord> calls;
        try {
            calls = ToolCallsJson.read(toolCalls);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tool_calls is not a list of tool calls: " + e.getOriginalMessage(), e);
        }
        return new StepRecord(
                runId,
                stepId,
                seq,
                tenantId,
                nodeId,
                agentId,
                inputTask,
                output,
                outputTruncated,
                Verdict.of(verdict, orEmpty(blockReason), orEmpty(verdictDetail)),
                uncertainty,
                UncertaintySource.valueOf(uncertaintySource),
                tokensUsed,
                costUsd,
                durationMs,
                Timestamps.parse(startedAt),
                Timestamps.parse(endedAt),
                calls);
    }

    private static String orEmpty(@Nullable String s) {
        return s == null ? "" : s;
    }
}
