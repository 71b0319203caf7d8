package dev.lookupkeeper.cli;

import java.util.Map;
import picocli.CommandLine.Option;

/** DbOptions plus the tuning of the stream. */
public class StreamOptions extends DbOptions {
    @Option(names = "--max-batch-size", paramLabel = "N", description = "Most change events per sink batch (default: 8192)")
    Integer maxBatchSize;

    @Option(names = "--poll-interval-ms", paramLabel = "MS", converter = DurationConverters.Millis.class,
            description = "Engine wait for more events before a batch is handed over: milliseconds, or 5ms, 1s (default: 10)")
    java.time.Duration pollInterval;

    @Option(names = "--backfill-chunk", paramLabel = "N", description = "Partitions per backfill transaction (default: 1000)")
    Integer backfillChunk;

    @Override
    protected Map<String, String> flags() {
        Map<String, String> m = super.flags();
        put(m, "max-batch-size", maxBatchSize);
        put(m, "poll-interval-ms", pollInterval == null ? null : pollInterval.toMillis());
        put(m, "backfill-chunk", backfillChunk);
        return m;
    }
}
