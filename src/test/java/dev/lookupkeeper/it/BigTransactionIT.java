package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.testing.CopyRows;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A 1,000,000-row COPY in one transaction streams through a sidecar with a 160 MB heap: the batch
 * keeps the newest message per partition, never the transaction's rows, so there is no
 * OutOfMemoryError and no restart.
 */
class BigTransactionIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void aMillionRowTransactionFitsInASmallHeap() throws Exception {
        List<UUID> partitions = db.createQueues("big", 2, 500);
        try (Sidecar run = Sidecar.startWithJvm(List.of("-Xmx160m", "-XX:+UseSerialGC"), db.env(), "run", "--replay-window", "0")
                .awaitStreaming()) {
            CopyRows.copy(db, partitions, 1_000_000);
            db.awaitLookupEqualsOracle(Duration.ofSeconds(180));
            assertThat(run.isAlive()).isTrue();
            assertThat(run.output()).doesNotContain("OutOfMemoryError");
            assertThat(run.output().split("streaming from slot", -1).length).as("streamed once, never restarted").isEqualTo(2);
            assertThat(run.sigterm(15)).isZero();
        }
    }
}
