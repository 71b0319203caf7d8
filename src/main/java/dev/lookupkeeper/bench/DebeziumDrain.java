package dev.lookupkeeper.bench;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.PipelineStats;
import dev.lookupkeeper.core.StreamTarget;
import dev.lookupkeeper.operations.bootstrap.Bootstrapper;
import dev.lookupkeeper.pg.Slots;
import dev.lookupkeeper.sidecar.CdcPipeline;
import dev.lookupkeeper.sidecar.StreamSource;
import java.sql.Connection;

/**
 * The drain benchmark's Debezium side: the same backlog, from a copy of the stream's slot taken
 * before the backlog, through the Debezium engine and the same sink (into the shadow table).
 */
final class DebeziumDrain {
    static final String SLOT = "bench_debezium";

    private DebeziumDrain() {}

    /** @return {events/s, sidecar µs of CPU per event, walsender µs of CPU per event}; the copy is dropped */
    static double[] run(Connection c, Settings settings, int backlog) throws Exception {
        StreamTarget target = new StreamTarget("bench_debezium", SLOT, Identifiers.quote(settings.schema()) + ".shadow_lookup");
        PipelineStats stats = new PipelineStats();
        long cpu0 = CpuPinning.ownCpuNanos();
        try (CdcPipeline pipeline = new CdcPipeline(settings, target, stats, new CdcPipeline.Options(StreamSource.DEBEZIUM, false, null))) {
            pipeline.start(Bootstrapper.ProgressSink.none());
            long tStream = System.nanoTime();
            long walsender = CpuPinning.slotHolderPid(c, SLOT);
            long walsenderCpu0 = CpuPinning.cpuNanos(walsender);
            while (stats.events() < backlog) {
                if (!pipeline.isStreaming()) {
                    throw new IllegalStateException("the Debezium pipeline stopped during the drain");
                }
                Thread.sleep(5);
            }
            long nanos = System.nanoTime() - tStream;
            long cpu = CpuPinning.ownCpuNanos() - cpu0;
            long walsenderCpu = CpuPinning.cpuNanos(walsender) - walsenderCpu0;
            return new double[] {backlog / (nanos / 1e9), cpu / 1000.0 / backlog, walsenderCpu / 1000.0 / backlog};
        } finally {
            Slots.dropIfInactive(c, SLOT);
        }
    }
}
