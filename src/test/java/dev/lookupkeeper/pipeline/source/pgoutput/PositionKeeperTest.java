package dev.lookupkeeper.pipeline.source.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.pipeline.batch.ChangeBatch;
import dev.lookupkeeper.pipeline.batch.StreamSink;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the reader confirms, against a sink whose checkpoint owner it can steer: never more than the
 * stored checkpoint in eventual mode, held transactions never noted in strict mode.
 */
class PositionKeeperTest {

    /** A sink standing in for the checkpoint owner: stored checkpoint and held state set by the test. */
    static final class Sink implements StreamSink {
        long stored;
        long passed;
        boolean holding;
        int retries;
        final List<Long> stores = new ArrayList<>();
        final List<Long> notes = new ArrayList<>();
        int flushes;

        @Override
        public void started(long startLsn) {
            stored = startLsn;
        }

        @Override
        public boolean apply(ChangeBatch batch) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long storedCheckpoint() {
            return stored;
        }

        @Override
        public void passPosition(long lsn) {
            passed = Math.max(passed, lsn);
        }

        @Override
        public long storePosition(long lsn) {
            passPosition(lsn);
            stores.add(lsn);
            if (!holding) {
                stored = Math.max(stored, lsn);
            }
            return stored;
        }

        @Override
        public void notePosition(long lsn) {
            passPosition(lsn); // whether it is noted is the sink's decision (BatchApplierIT): recorded as asked
            notes.add(lsn);
        }

        @Override
        public void flushCommits() {
            flushes++;
        }

        @Override
        public boolean holding() {
            return holding;
        }

        @Override
        public void retryHeld() {
            retries++;
        }
    }

    static final class Server implements PositionKeeper.Server {
        long lastReceived;
        final List<Long> confirmed = new ArrayList<>();
        final List<Long> durable = new ArrayList<>();

        @Override
        public long lastReceived() {
            return lastReceived;
        }

        @Override
        public void confirm(long visible, long flushed) {
            confirmed.add(visible);
            durable.add(flushed);
        }
    }

    private final Sink sink = new Sink();
    private final Server server = new Server();

    /** The keeper's clock, moved by hand: its bounds are checked exactly, whatever the machine's load. */
    private final java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(1_000_000_000_000L);

    private void advanceMs(long ms) {
        clock.addAndGet(ms * 1_000_000);
    }

    /** A keeper started at 0/64 (100) over this test's sink, strict or eventual. */
    private PositionKeeper keeper(boolean strict) {
        sink.started(100);
        PositionKeeper k = new PositionKeeper(sink, strict, 100, clock::get);
        k.started();
        return k;
    }

    @Test
    void eventualConfirmsTheStoredCheckpointNotTheBatchEnd() throws Exception {
        PositionKeeper k = keeper(false);
        sink.stored = 200; // the upsert of a batch ending at 200 stored its end: settled
        k.batchDone(200, true, true);
        k.report(server, true);
        // a batch ending at 300 was held: its transaction stored the position before it
        k.batchDone(300, true, true);
        k.report(server, true);
        assertThat(server.confirmed).containsExactly(200L);
        sink.stored = 300; // settled later by a retry, stored by the owner
        k.batchDone(310, false, false);
        k.report(server, true);
        assertThat(server.confirmed).containsExactly(200L, 300L);
        assertThat(server.durable).as("eventual: flush is what is visible, the stored checkpoint").containsExactly(200L, 300L);
    }

    @Test
    void eventualIdleRetriesHeldTransactionsAndNeverConfirmsPastThem() throws Exception {
        sink.holding = true;
        server.lastReceived = 900; // keepalives keep reporting the server's WAL end
        PositionKeeper k = keeper(false);
        k.idle(server);
        assertThat(sink.retries).isEqualTo(1);
        assertThat(sink.passed).isEqualTo(900);
        assertThat(server.confirmed).isEmpty();
        advanceMs(PositionKeeper.RETRY_HELD_NANOS / 1_000_000 + 5);
        k.idle(server);
        assertThat(sink.retries).isEqualTo(2);
        assertThat(server.confirmed).isEmpty();
    }

    @Test
    void eventualStoresAnIdlePositionAtMostOnceAnInterval() throws Exception {
        server.lastReceived = 500;
        PositionKeeper k = keeper(false);
        k.idle(server);
        assertThat(sink.stores).isEmpty(); // the interval since the start is not up
        assertThat(server.confirmed).isEmpty();
    }

    @Test
    void strictReportsAHeldBatchEndAsVisibleButNotAsFlushedAndNotesNothingWhileHolding() throws Exception {
        PositionKeeper k = keeper(true);
        sink.holding = true; // the batch ending at 200 named a partition its own, waiting, transaction creates
        k.batchDone(200, true, true);
        k.report(server, true);
        assertThat(server.confirmed).containsExactly(200L);
        assertThat(server.durable).as("flush stays at the settled, stored checkpoint").containsExactly(100L);
        server.lastReceived = 250;
        k.idle(server);
        assertThat(sink.retries).isEqualTo(1); // held changes tried again first
        assertThat(sink.notes).as("asked at once while holding (the sink notes nothing past a held batch)").containsExactly(250L);
        assertThat(k.noteOwed()).isFalse();
        assertThat(sink.stores).as("no checkpoint stored while holding").isEmpty();
        assertThat(server.confirmed).containsExactly(200L, 250L);
        assertThat(server.durable).containsExactly(100L, 100L);
        // the held transactions became visible (their sessions were waiting for apply) and settled
        sink.holding = false;
        sink.stored = 200;
        k.report(server, true);
        assertThat(server.confirmed).containsExactly(200L, 250L, 250L);
        assertThat(server.durable).containsExactly(100L, 100L, 250L);
    }

    @Test
    void strictFlushPastAHoldThatLastsCoversAKeepaliveThatCameDuringIt() throws Exception {
        PositionKeeper k = keeper(true);
        sink.holding = true;
        k.batchDone(200, true, true);
        k.report(server, true);
        // a session at synchronous_commit = on commits a transaction with nothing for the lookup: a keepalive
        server.lastReceived = 300;
        k.idle(server);
        assertThat(server.confirmed).containsExactly(200L, 300L);
        advanceMs(PositionKeeper.FLUSH_PAST_HELD_NANOS / 1_000_000 + 50);
        k.idle(server);
        assertThat(server.durable).as("the flush past a lasting hold reaches the keepalive the session waits for").contains(300L);
    }

    @Test
    void strictFlushesPastAHoldThatLastsSoSessionsWaitingForFlushCanFinish() throws Exception {
        PositionKeeper k = keeper(true);
        sink.holding = true;
        k.batchDone(200, true, true);
        k.report(server, true);
        assertThat(server.durable).containsExactly(100L);
        advanceMs(PositionKeeper.FLUSH_PAST_HELD_NANOS / 1_000_000 - 200);
        k.report(server, true);
        assertThat(server.durable).as("not before the bound").containsExactly(100L);
        advanceMs(250);
        k.report(server, true);
        assertThat(server.durable).containsExactly(100L, 200L);
        assertThat(server.confirmed).containsExactly(200L, 200L);
        // the oldest held batch settled, a later one is still held: its own second starts now
        sink.stored = 150;
        k.batchDone(300, true, true);
        k.report(server, true);
        assertThat(server.confirmed).containsExactly(200L, 200L, 300L);
        assertThat(server.durable).as("flush stays where it was: not past the newly oldest held batch").containsExactly(100L, 200L, 200L);
    }

    @Test
    void strictNotesAPositionWithNothingForTheLookupBeforeConfirmingIt() throws Exception {
        PositionKeeper k = keeper(true);
        k.batchDone(180, false, false);
        k.report(server, true);
        assertThat(server.confirmed).as("visible at once: a session at remote_apply may wait for it").containsExactly(180L);
        assertThat(server.durable).as("not durable before it is noted").containsExactly(100L);
        assertThat(k.noteOwed()).isTrue();
        assertThat(k.owedNanos()).isNotNegative();
        k.settleOwed(server);
        assertThat(sink.notes).containsExactly(180L);
        assertThat(server.confirmed).containsExactly(180L, 180L);
        assertThat(server.durable).containsExactly(100L, 180L);
        assertThat(k.noteOwed()).isFalse();
        k.settleOwed(server);
        assertThat(sink.notes).as("nothing owed: nothing noted again").containsExactly(180L);
    }

    @Test
    void strictNeedsNoNoteForAPositionTheNextBatchCovers() throws Exception {
        PositionKeeper k = keeper(true);
        server.lastReceived = 250; // the keepalive for the sidecar's own lookup commit
        k.idle(server);
        assertThat(server.confirmed).containsExactly(250L);
        assertThat(server.durable).containsExactly(100L);
        k.batchDone(300, true, true); // the next push's batch committed, its end stored in its transaction
        k.report(server, true);
        assertThat(server.confirmed).containsExactly(250L, 300L);
        assertThat(server.durable).containsExactly(100L, 300L);
        assertThat(k.noteOwed()).isFalse();
        k.settleOwed(server);
        assertThat(sink.notes).as("covered by the batch: no round trip for a note").isEmpty();
    }

    /** A commit that did not wait for its WAL flush, whose statement read the WAL insert position {@code walPosition} before it. */
    private static StreamSink.Commit async(long walPosition) {
        return new StreamSink.Commit(true, walPosition);
    }

    @Test
    void strictAsyncBatchIsVisibleAtOnceAndDurableOnlyOnceTheServerSendsAPositionPastItsCommit() throws Exception {
        PositionKeeper k = keeper(true);
        k.batchDone(200, true, true, async(150)); // 150: read before its own commit, so no bound for it
        k.report(server, true);
        assertThat(server.confirmed).as("visible at once: sessions at remote_apply may go").containsExactly(200L);
        assertThat(server.durable).as("not durable: a crash of the server could still lose the commit").containsExactly(100L);
        server.lastReceived = 10_000; // whatever the server sends, nothing bounds the commit yet
        k.report(server, true);
        assertThat(server.durable).containsExactly(100L);
        server.lastReceived = 240;
        k.batchDone(300, true, true, async(250)); // the next statement read 250: past the first commit
        k.report(server, true);
        assertThat(server.durable).as("the server has sent nothing at or past 250").containsOnly(100L);
        server.lastReceived = 250; // the walsender decodes only flushed WAL: what it sends is flushed
        k.report(server, true);
        assertThat(server.durable).as("the first batch is durable, the second not known to be").containsExactly(100L, 100L, 200L);
        assertThat(server.confirmed).containsExactly(200L, 300L, 300L);
        assertThat(sink.flushes).as("the stream proved it: no flush of our own").isZero();
        assertThat(k.unflushedBatches()).isEqualTo(1);
    }

    @Test
    void strictSettleFlushesTheWalPastAsyncCommitsTheStreamHasNotProved() throws Exception {
        PositionKeeper k = keeper(true);
        k.batchDone(200, true, true, async(150));
        k.batchDone(300, true, true, async(250));
        k.report(server, true);
        assertThat(k.unflushedBatches()).isEqualTo(2);
        k.settleOwed(server); // the reader found nothing more to read
        assertThat(sink.flushes).isEqualTo(1);
        assertThat(sink.notes).as("a batch's end is stored in its own transaction: nothing to note").isEmpty();
        assertThat(server.durable).containsExactly(100L, 300L);
        assertThat(k.unflushedBatches()).isZero();
        assertThat(k.noteOwed()).isFalse();
    }

    @Test
    void strictSyncBatchAfterAnAsyncOneIsNotDurableBeforeIt() throws Exception {
        PositionKeeper k = keeper(true);
        k.batchDone(200, true, true, async(150));
        k.batchDone(300, true, true); // synchronous (the lock-skipping path), but perhaps with no WAL to flush
        k.report(server, true);
        assertThat(server.confirmed).containsExactly(300L);
        assertThat(server.durable).containsExactly(100L);
        k.batchDone(400, true, true, async(350));
        server.lastReceived = 350;
        k.report(server, true);
        assertThat(server.durable).containsExactly(100L, 300L);
    }

    @Test
    void strictWaitsLongerBeforeFlushingForAsyncCommitsAloneThanForAPositionASessionMayWaitFor() throws Exception {
        PositionKeeper k = keeper(true);
        k.batchDone(200, true, true, async(150));
        advanceMs(2);
        assertThat(k.settleDue()).as("only our own commit's flush is owed: the stream usually proves it within 5 ms").isFalse();
        k.batchDone(260, false, false); // a transaction with nothing for the lookup: a session at on may wait for its flush
        assertThat(k.settleDue()).isFalse();
        advanceMs(2);
        assertThat(k.settleDue()).as("a position a session may wait for: settled after 1 ms").isTrue();
    }

    @Test
    void strictSettlesFromTheOldestAsyncCommitWhileLaterBatchesKeepComing() throws Exception {
        PositionKeeper k = keeper(true);
        k.batchDone(200, true, true, async(150));
        long start = clock.get();
        long end = 0;
        // batches with deletes (synchronous, no position read) every millisecond: none proves the first
        for (int i = 1; clock.get() - start < PositionKeeper.ASYNC_SETTLE_NANOS + 1_000_000; i++) {
            k.batchDone(200 + i, true, true);
            end = 200 + i;
            advanceMs(1);
        }
        assertThat(k.settleDue()).as("the oldest is past its 5 ms: a stream of later batches does not put the flush off").isTrue();
        k.settleOwed(server);
        assertThat(sink.flushes).isEqualTo(1);
        assertThat(server.durable).last().isEqualTo(end);
    }

    @Test
    void strictFlushPastALastingHoldFlushesTheAsyncCommitsBeforeIt() throws Exception {
        PositionKeeper k = keeper(true);
        k.batchDone(200, true, true, async(150));
        sink.holding = true;
        k.batchDone(300, true, true); // held, behind the asynchronous commit
        k.report(server, true);
        assertThat(server.durable).containsOnly(100L);
        advanceMs(PositionKeeper.FLUSH_PAST_HELD_NANOS / 1_000_000 + 50);
        k.report(server, true);
        assertThat(sink.flushes).as("flushed before the flush report passes the commit").isEqualTo(1);
        assertThat(server.durable).last().isEqualTo(300L);
    }

    @Test
    void strictNeverNotesPastAnAsyncCommitBeforeFlushingIt() throws Exception {
        PositionKeeper k = keeper(true);
        k.batchDone(200, true, true, async(150));
        sink.holding = true; // a later batch is held: a position with nothing to apply is noted at once
        k.batchDone(300, false, false);
        assertThat(sink.flushes).as("flushed before the note").isEqualTo(1);
        assertThat(sink.notes).containsExactly(300L);
        assertThat(k.unflushedBatches()).isZero();
    }

    @Test
    void eventualNeverOwesANote() throws Exception {
        server.lastReceived = 250;
        PositionKeeper k = keeper(false);
        k.idle(server);
        assertThat(k.noteOwed()).isFalse();
        assertThat(k.owedNanos()).isZero();
    }
}
