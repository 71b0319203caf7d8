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
import java.sql.Statement;

/**
 * The drain's backlog again, from a copy of the stream's slot made before the backlog, through a
 * given source and connection and the same sink, into the shadow table (emptied first, so every copy
 * changes as many rows as the main drain did): the Debezium engine, or the native reader over a
 * Unix-domain socket.
 */
final class CopyDrain {
    static final String DEBEZIUM_SLOT = "bench_debezium";
    static final String UNIX_SOCKET_SLOT = "bench_unix_socket";

    private CopyDrain() {}

    /** @return {events/s, sidecar µs of CPU per event, walsender µs of CPU per event}; the copy is dropped */
    static double[] run(Connection c, Settings settings, int backlog, StreamSource source, String slot) throws Exception {
        String shadow = Identifiers.quote(settings.schema()) + ".shadow_lookup";
        try (Statement st = c.createStatement()) {
            st.execute("TRUNCATE " + shadow);
        }
        StreamTarget target = new StreamTarget(slot, slot, shadow);
        PipelineStats stats = new PipelineStats();
        long cpu0 = CpuPinning.ownCpuNanos();
        try (CdcPipeline pipeline = new CdcPipeline(settings, target, stats, new CdcPipeline.Options(source, false, null))) {
            pipeline.start(Bootstrapper.ProgressSink.none());
            long tStream = System.nanoTime();
            long walsender = SlotHolder.walsenderPid(c, slot, 2_000);
            long walsenderCpu0 = CpuPinning.cpuNanos(walsender);
            while (stats.events() < backlog) {
                if (!pipeline.isStreaming()) {
                    throw new IllegalStateException("the " + source + " pipeline on slot " + slot + " stopped during the drain");
                }
                Thread.sleep(5);
            }
            long nanos = System.nanoTime() - tStream;
            long cpu = CpuPinning.ownCpuNanos() - cpu0;
            long walsenderCpu = CpuPinning.cpuNanos(walsender) - walsenderCpu0;
            return new double[] {backlog / (nanos / 1e9), cpu / 1000.0 / backlog, walsenderCpu / 1000.0 / backlog};
        } finally {
            Slots.dropIfInactive(c, slot);
        }
    }
}
