package io.meshflow.ledger.jdbc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies retention rules to a ledger on a schedule: at start, then every {@code period}, each rule in turn. A rule
 * that fails is logged and tried again at the next pass; the others still run.
 */
public final class RetentionJob implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RetentionJob.class);

    /** Who the erasure receipts of a retention pass name as requester. */
    public static final String REQUESTER = "retention";

    private final JdbcLedger ledger;
    private final List<RetentionRule> rules;
    private final ScheduledExecutorService timer;

    private RetentionJob(JdbcLedger ledger, List<RetentionRule> rules, ScheduledExecutorService timer) {
        this.ledger = ledger;
        this.rules = List.copyOf(rules);
        this.timer = timer;
    }

    /** Starts applying the rules now and then every {@code period} on a daemon thread. */
    public static RetentionJob start(JdbcLedger ledger, List<RetentionRule> rules, Duration period) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meshflow-retention");
            t.setDaemon(true);
            return t;
        });
        RetentionJob job = new RetentionJob(ledger, rules, timer);
        // runOnce catches what a rule throws, so the schedule never ends by an exception and the future has nothing
        // to report but cancellation
        var unused = timer.scheduleWithFixedDelay(job::runOnce, 0, period.toMillis(), TimeUnit.MILLISECONDS);
        return job;
    }

    /** Applies every rule once; the reports of the rules that ran. */
    public List<RetentionReport> runOnce() {
        List<RetentionReport> reports = new ArrayList<>();
        for (RetentionRule rule : rules) {
            try {
                RetentionReport report = ledger.applyRetention(rule, REQUESTER);
                reports.add(report);
                if (!report.erased().isEmpty() || !report.held().isEmpty()) {
                    LOG.info(
                            "retention for tenant {}: {} run(s) {}, {} kept by a legal hold",
                            rule.tenantId(),
                            report.erased().size(),
                            rule.action() == RetentionRule.Action.DELETE ? "deleted" : "anonymised",
                            report.held().size());
                }
            } catch (RuntimeException e) {
                LOG.warn("retention for tenant {} failed; it is tried again at the next pass", rule.tenantId(), e);
            }
        }
        return reports;
    }

    /** Stops the schedule; a pass under way finishes. */
    @Override
    public void close() {
        timer.shutdown();
    }
}
