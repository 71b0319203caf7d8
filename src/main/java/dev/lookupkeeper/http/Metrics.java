package dev.lookupkeeper.http;

import dev.lookupkeeper.core.PipelineStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sidecar's Prometheus metrics. Counters read the pipeline's own adders (no double counting on
 * the hot path); gauges read values the control loop refreshes every few seconds.
 */
public final class Metrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer batchWrite;
    private final Timer lag;
    private final Timer selection;
    private final AtomicLong slotLagBytes = new AtomicLong(-1);
    private final AtomicLong retainedWalBytes = new AtomicLong(-1);
    private final AtomicLong modeCdc = new AtomicLong();
    private final AtomicLong streaming = new AtomicLong();
    private final AtomicLong standby = new AtomicLong();
    private final AtomicLong leader = new AtomicLong();
    private final AtomicLong databaseUp = new AtomicLong(1);
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong bootstrapDone = new AtomicLong();
    private final AtomicLong walAlert = new AtomicLong();
    private final AtomicLong replayRetainedBytes = new AtomicLong(-1);

    private final AtomicLong strict = new AtomicLong();
    private final io.micrometer.core.instrument.Counter strictFailOpens;

    public Metrics(PipelineStats stats) {
        FunctionCounter.builder("lookupkeeper_events", stats, PipelineStats::events)
                .description("change events applied to the lookup").register(registry);
        FunctionCounter.builder("lookupkeeper_batches", stats, PipelineStats::batches)
                .description("batches written, one upsert transaction each").register(registry);
        FunctionCounter.builder("lookupkeeper_rows_upserted", stats, PipelineStats::rowsChanged)
                .description("lookup rows inserted or advanced").register(registry);
        FunctionCounter.builder("lookupkeeper_rebootstraps", stats, PipelineStats::rebootstraps)
                .description("slots found lost, re-created or moved by someone else; the lookup was bootstrapped again").register(registry);
        FunctionCounter.builder("lookupkeeper_events_ignored", stats, PipelineStats::ignored)
                .description("events that carry nothing for the lookup").register(registry);
        Gauge.builder("lookupkeeper_held_transactions", stats, PipelineStats::heldTransactions)
                .description("transactions the stream delivered whose partitions are not visible yet; the checkpoint stays before them")
                .register(registry);
        Gauge.builder("lookupkeeper_held_seconds", stats, PipelineStats::heldSeconds)
                .description("how long the oldest held transaction has waited (0: none held)").register(registry);
        batchWrite = Timer.builder("lookupkeeper_batch_write").description("coalesce + upsert + commit of one batch")
                .publishPercentileHistogram().register(registry);
        lag = Timer.builder("lookupkeeper_lag").description("from a message's commit to its lookup row's commit")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        selection = Timer.builder("lookupkeeper_selection").description("selection query latency")
                .publishPercentileHistogram().register(registry);
        Gauge.builder("lookupkeeper_slot_lag_bytes", slotLagBytes, AtomicLong::get)
                .description("WAL bytes between the server's position and the slot's confirmed position").register(registry);
        Gauge.builder("lookupkeeper_retained_wal_bytes", retainedWalBytes, AtomicLong::get)
                .description("WAL bytes the slot retains").register(registry);
        Gauge.builder("lookupkeeper_retained_wal_alert", walAlert, AtomicLong::get)
                .description("1 while retained WAL is above the threshold").register(registry);
        Gauge.builder("lookupkeeper_replay_window_retained_wal_bytes", replayRetainedBytes, AtomicLong::get)
                .description("WAL bytes the replay window's slot retains (-1: no window)").register(registry);
        Gauge.builder("lookupkeeper_mode_cdc", modeCdc, AtomicLong::get).description("1 in CDC mode, 0 in trigger mode").register(registry);
        Gauge.builder("lookupkeeper_streaming", streaming, AtomicLong::get).description("1 while this process streams").register(registry);
        Gauge.builder("lookupkeeper_standby", standby, AtomicLong::get).description("1 while another process holds the slot").register(registry);
        Gauge.builder("lookupkeeper_leader", leader, AtomicLong::get)
                .description("1 while this process holds the leader lock (it alone bootstraps and streams)").register(registry);
        Gauge.builder("lookupkeeper_database_up", databaseUp, AtomicLong::get)
                .description("1 while the control connection to PostgreSQL works, 0 while it reconnects").register(registry);
        FunctionCounter.builder("lookupkeeper_reconnects", reconnects, AtomicLong::get)
                .description("times the control connection was lost and made again").register(registry);
        Gauge.builder("lookupkeeper_bootstrap_partitions_done", bootstrapDone, AtomicLong::get)
                .description("partitions backfilled by the current bootstrap").register(registry);
        Gauge.builder("lookupkeeper_strict", strict, AtomicLong::get)
                .description("strict consistency: 1 in effect, 0 not asked for, -1 failed open (synchronous_standby_names relaxed)")
                .register(registry);
        strictFailOpens = io.micrometer.core.instrument.Counter.builder("lookupkeeper_strict_fail_opens")
                .description("times the guard relaxed synchronous_standby_names because no stream confirmed commits").register(registry);
        stats.onBatch((nanos, lagsMs) -> {
            batchWrite.record(nanos, TimeUnit.NANOSECONDS);
            for (long l : lagsMs) {
                lag.record(l, TimeUnit.MILLISECONDS);
            }
        });
    }

    public String scrape() {
        return registry.scrape();
    }

    public Timer selection() {
        return selection;
    }

    public void slot(long lagBytes, long retainedBytes, boolean alert) {
        slotLagBytes.set(lagBytes);
        retainedWalBytes.set(retainedBytes);
        walAlert.set(alert ? 1 : 0);
    }

    public void replayWindow(long retainedBytes) {
        replayRetainedBytes.set(retainedBytes);
    }

    public void mode(boolean cdc, boolean isStreaming, boolean isStandby) {
        modeCdc.set(cdc ? 1 : 0);
        streaming.set(isStreaming ? 1 : 0);
        standby.set(isStandby ? 1 : 0);
    }

    public void leader(boolean isLeader) {
        leader.set(isLeader ? 1 : 0);
    }

    public void databaseUp(boolean up) {
        databaseUp.set(up ? 1 : 0);
    }

    public void reconnected() {
        reconnects.incrementAndGet();
    }

    /** @param state 1 strict in effect, 0 not asked for (or not yet in effect), -1 failed open */
    public void strict(int state) {
        strict.set(state);
    }

    public void strictFailedOpen() {
        strictFailOpens.increment();
    }

    public void bootstrapProgress(long partitionsDone) {
        bootstrapDone.set(partitionsDone);
    }
}
