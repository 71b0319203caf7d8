package dev.lookupkeeper.pipeline.source.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lookupkeeper.pipeline.batch.ChangeBatch;
import dev.lookupkeeper.pipeline.batch.StreamSink;
import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One batch in flight on the writer thread: what the reader learns of it, and when. */
class BatchWriterTest {
    /** A sink whose apply waits for the test's go, then answers as told, on the thread that applied. */
    static final class GatedSink implements StreamSink {
        final CountDownLatch go = new CountDownLatch(1);
        volatile Exception failWith;
        volatile String appliedOn;
        final ThreadLocal<StreamSink.Commit> commit = ThreadLocal.withInitial(() -> StreamSink.Commit.DURABLE);

        @Override
        public boolean apply(ChangeBatch batch) throws Exception {
            go.await(10, TimeUnit.SECONDS);
            appliedOn = Thread.currentThread().getName();
            if (failWith != null) {
                throw failWith;
            }
            commit.set(new StreamSink.Commit(true, 0x5000));
            return batch.events() > 0;
        }

        @Override
        public StreamSink.Commit lastCommit() {
            return commit.get();
        }

        // the positions are the reader's business (PositionKeeperTest), not the writer's
        @Override
        public void started(long startLsn) {}

        @Override
        public long storedCheckpoint() {
            return 0;
        }

        @Override
        public void passPosition(long lsn) {}

        @Override
        public long storePosition(long lsn) {
            return 0;
        }

        @Override
        public void notePosition(long lsn) {}

        @Override
        public boolean holding() {
            return false;
        }

        @Override
        public void retryHeld() {}
    }

    private final GatedSink sink = new GatedSink();
    private final BatchWriter writer = new BatchWriter(sink);

    @AfterEach
    void stop() {
        writer.abandon();
    }

    private static ChangeBatch batch(long end, boolean withMessage) {
        ChangeBatch b = new ChangeBatch();
        if (withMessage) {
            b.inserted(1, 2, 3, 4, 5);
        }
        b.committed(end, 0);
        return b;
    }

    @Test
    void theReaderLearnsTheEndTheApplyAndTheCommitReadOnTheWriterThread() throws Exception {
        assertThat(writer.busy()).isFalse();
        assertThat(writer.await()).isNull();
        writer.submit(batch(0x4000, true));
        assertThat(writer.busy()).isTrue();
        assertThat(writer.finished()).as("the apply waits for the test").isFalse();
        sink.go.countDown();
        BatchWriter.Applied applied = writer.await();
        assertThat(applied).isEqualTo(new BatchWriter.Applied(0x4000, true, true, new StreamSink.Commit(true, 0x5000)));
        assertThat(sink.appliedOn).isEqualTo("pgoutput-writer");
        assertThat(sink.lastCommit()).as("the test thread's own: the commit is read where the apply ran").isEqualTo(StreamSink.Commit.DURABLE);
        assertThat(writer.busy()).isFalse();
    }

    @Test
    void aBatchWithOnlyAWatermarkCarriesNoMessages() throws Exception {
        sink.go.countDown();
        writer.submit(batch(0x10, false));
        BatchWriter.Applied applied = writer.await();
        assertThat(applied.messages()).isFalse();
        assertThat(applied.forLookup()).isFalse();
    }

    @Test
    void oneBatchInFlightAtATime() {
        writer.submit(batch(0x10, true));
        assertThatIllegalStateException().isThrownBy(() -> writer.submit(batch(0x20, true))).withMessageContaining("await it first");
    }

    @Test
    void anInterruptedWaitLeavesTheBatchInFlight() throws Exception {
        writer.submit(batch(0x10, true));
        Thread.currentThread().interrupt();
        assertThatThrownBy(writer::await).isInstanceOf(InterruptedException.class);
        assertThat(writer.busy()).as("the batch may still commit or fail").isTrue();
        assertThatIllegalStateException().isThrownBy(() -> writer.submit(batch(0x20, true)));
        sink.go.countDown();
        assertThat(writer.await().end()).isEqualTo(0x10);
        assertThat(writer.busy()).isFalse();
    }

    @Test
    void aFailedApplyIsRethrownAsThrownAndLeavesNothingInFlight() {
        sink.failWith = new SQLException("the server went away", "08006");
        sink.go.countDown();
        writer.submit(batch(0x10, true));
        assertThatThrownBy(writer::await).isSameAs(sink.failWith);
        assertThat(writer.busy()).isFalse();
    }
}
