package dev.lookupkeeper.sink;

import dev.lookupkeeper.ops.PipelineStats;
import dev.lookupkeeper.source.BatchHandler;
import dev.lookupkeeper.source.MessageInserted;
import dev.lookupkeeper.source.SourceBatch;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** coalesce → write, for any source. Returns only after the lookup transaction committed. */
public final class LookupSink implements BatchHandler {
    private static final Logger LOG = LoggerFactory.getLogger(LookupSink.class);

    private final LookupWriter writer;
    private final PipelineStats stats;

    public LookupSink(LookupWriter writer, PipelineStats stats) {
        this.writer = writer;
        this.stats = stats;
    }

    @Override
    public void apply(SourceBatch batch) throws Exception {
        List<MessageInserted> events = batch.messages();
        if (events.isEmpty() && batch.watermark() == 0) {
            stats.recordBatch(0, 0, batch.ignored());
            return;
        }
        long start = System.nanoTime();
        List<LatestMessage> rows = Coalescer.coalesce(events);
        int changed = writer.write(rows, batch.watermark(), batch.lastPosition());
        long nanos = System.nanoTime() - start;
        long now = System.currentTimeMillis();
        long[] lags = new long[events.size()];
        int n = 0;
        for (MessageInserted e : events) {
            if (e.commitTimeMs() > 0) {
                lags[n++] = now - e.commitTimeMs();
            }
        }
        stats.recordWritten(events.size(), changed, batch.ignored(), nanos, n == lags.length ? lags : java.util.Arrays.copyOf(lags, n));
        if (LOG.isDebugEnabled()) {
            LOG.debug("batch: {} events, {} partitions, {} rows changed, watermark {}, up to {} in {} ms",
                    events.size(), rows.size(), changed, batch.watermark(), batch.lastPosition(), (System.nanoTime() - start) / 1_000_000);
        }
    }
}
