package dev.lookupkeeper.pipeline.source.pgoutput;

import dev.lookupkeeper.core.Failpoints;
import dev.lookupkeeper.pipeline.batch.StreamSink;
import java.util.function.LongSupplier;

/**
 * What the reader may confirm to the server, and when. Eventual consistency confirms exactly the
 * checkpoint the sink's owner stored — settled and durable, never past a held transaction; a
 * position passed with nothing to apply is stored first (rate-limited, since the store is itself a
 * transaction the stream sees). Strict consistency confirms every position the moment its batch
 * committed; a position with nothing for the lookup is reported visible at once (a commit at
 * remote_apply may be waiting for it) and durable once noted without a transaction — a note that
 * waits until the reader finds nothing more to read, since the next batch usually covers it. A held batch's end is reported as visible (apply): sessions committing with
 * {@code synchronous_commit = remote_apply} wait for exactly that before anyone can see them, and
 * once they are visible the held batch settles. It is reported as durable (flush — what the slot
 * confirms, and what sessions at {@code on} wait for) only once it has settled, or after
 * {@link #FLUSH_PAST_HELD_NANOS}: sessions at {@code on} would otherwise wait forever for a flush
 * that waits for them. Only then may the slot pass an unsettled transaction, and since the stored
 * checkpoint never does, a restart after a crash re-bootstraps rather than skipping it.
 *
 * <p>Strict with asynchronous sink commits ({@code --strict-sink-commit async}, or {@code auto} on a
 * server with fsync on): a
 * batch is reported visible when its commit returns, and durable once the server sends a position
 * at or past a WAL position read after that commit (by the next batch's statement) — the walsender
 * decodes only flushed WAL — or once {@link StreamSink#flushCommits} returns; nothing is noted past
 * a batch not known durable.
 *
 * <p>Failpoints (crash tests): {@code confirm-before} and {@code confirm-after} around the first
 * confirmation that covers a batch with messages (as durable); the pause {@code visible-not-durable}
 * after a batch with messages was reported visible only. Owned by the reader thread.
 */
final class PositionKeeper {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PositionKeeper.class);
    /** The server's side of the replication connection, as far as positions go. */
    interface Server {
        /** The WAL end the server last reported (a keepalive's or a message's). */
        long lastReceived();

        /** Reports {@code visible} as written and applied and {@code durable} as flushed, at once. */
        void confirm(long visible, long durable) throws Exception;
    }

    /** Strict: how long a held batch's end is reported as visible only, before it is reported as flushed too. */
    static final long FLUSH_PAST_HELD_NANOS = 1_000_000_000L;

    /** How often a position passed with nothing to apply is stored (eventual), or the checkpoint refreshed (strict). */
    static final long POSITION_STORE_MS = 5_000;
    /**
     * Strict, asynchronous lookup commits owed and nothing else: how long the reader waits for the
     * stream to prove them durable before it flushes the WAL itself (what a session left at
     * {@code synchronous_commit = on} may wait at most, beyond its push's own path).
     */
    static final long ASYNC_SETTLE_NANOS = 5_000_000;
    /** While transactions are held: how often the idle reader applies them again. */
    static final long RETRY_HELD_NANOS = 10_000_000;

    private final StreamSink sink;
    private final boolean confirmAtOnce;
    private long confirmable;
    /**
     * Strict: a position passed with nothing to apply, reported as visible at once but not yet noted,
     * so not yet durable (see {@link #noteOwed}).
     */
    private long visible;
    /** Strict: since when a position with nothing to apply, past every batch, has been visible only. */
    private long owedSinceNanos;
    private long reported;
    private long reportedDurable;
    private long heldSinceNanos;
    private long heldAt;
    private boolean flushedPastHeld;
    private long pending;
    private long lastStoreMs;
    private long lastRetryNanos;
    private boolean lookupChangesUnconfirmed;
    /** Strict, asynchronous sink commits: batches reported visible whose commits are not known to be durable yet. */
    private final UnflushedCommits unflushed = new UnflushedCommits();
    private final LongSupplier nanoClock;

    PositionKeeper(StreamSink sink, boolean confirmAtOnce, long startLsn) {
        this(sink, confirmAtOnce, startLsn, System::nanoTime);
    }

    /** @param nanoClock the monotonic clock its bounds are counted on (tests pass one they move by hand) */
    PositionKeeper(StreamSink sink, boolean confirmAtOnce, long startLsn, LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.sink = sink;
        this.confirmAtOnce = confirmAtOnce;
        this.confirmable = startLsn;
        this.visible = startLsn;
        this.reported = startLsn;
        this.reportedDurable = startLsn;
        this.pending = startLsn;
    }

    /** The first idle position is stored no sooner than one interval after the start. */
    void started() {
        lastStoreMs = nanoClock.getAsLong() / 1_000_000;
    }

    /** {@link #batchDone(long, boolean, boolean, StreamSink.Commit)} of a batch whose commit was durable when it returned. */
    void batchDone(long end, boolean forLookup, boolean messages) throws Exception {
        batchDone(end, forLookup, messages, StreamSink.Commit.DURABLE);
    }

    /**
     * A batch's transaction committed; forLookup: it had lookup changes (else nothing was written);
     * messages: it carried inserts or deletes of messages (not only watermarks); commit: whether it
     * waited for its WAL flush (strict: an asynchronous one is visible, and durable once the WAL is
     * flushed past it), and the WAL position its statement read before committing, which bounds
     * every asynchronous commit before it.
     */
    void batchDone(long end, boolean forLookup, boolean messages, StreamSink.Commit commit) throws Exception {
        lookupChangesUnconfirmed |= messages;
        if (confirmAtOnce) {
            if (commit.walPosition() != 0) {
                unflushed.bound(commit.walPosition()); // those commits returned before this statement began
            }
            if (!forLookup) {
                passNothingToApply(end);
            } else if (!commit.async() && unflushed.isEmpty()) {
                confirmable = max(confirmable, end);
            } else {
                // durable once every asynchronous commit before it is (a synchronous commit that wrote no WAL
                // of its own flushed nothing); its bound comes with the next statement that reads one
                unflushed.add(end, nanoClock.getAsLong());
                visible = max(visible, end);
            }
            return;
        }
        if (!forLookup) {
            sink.passPosition(end);
            pending = max(pending, end);
        }
        confirmable = max(confirmable, sink.storedCheckpoint());
    }

    /** Confirms what is safe; with nothing in flight, first stores a pending position when its interval is up (eventual). */
    void report(Server stream, boolean nothingInFlight) throws Exception {
        proveFlushed(stream.lastReceived());
        if (!confirmAtOnce && nothingInFlight && Long.compareUnsigned(pending, confirmable) > 0 && intervalUp()) {
            store(pending);
        }
        long durable = max(durable(), reportedDurable); // a flush reported is never taken back
        long shown = max(confirmable, visible);
        if (Long.compareUnsigned(shown, reported) > 0 || Long.compareUnsigned(durable, reportedDurable) > 0) {
            boolean covers = lookupChangesUnconfirmed && Long.compareUnsigned(durable, reportedDurable) > 0;
            if (covers) {
                Failpoints.hit("confirm-before");
            }
            stream.confirm(shown, durable);
            reported = shown;
            reportedDurable = durable;
            if (covers) {
                lookupChangesUnconfirmed = false;
                Failpoints.hit("confirm-after");
            } else if (lookupChangesUnconfirmed && !unflushed.isEmpty()) {
                Failpoints.pause("visible-not-durable"); // a test looks at what the server was told meanwhile
            }
        }
    }

    /**
     * What may be reported as flushed. Eventual: the stored checkpoint, which is what is confirmed
     * at all. Strict: everything confirmed, unless a batch is held — then the stored checkpoint
     * (settled by definition), until the hold has lasted {@link #FLUSH_PAST_HELD_NANOS}.
     */
    private long durable() throws Exception {
        if (!confirmAtOnce || !sink.holding()) {
            heldSinceNanos = 0;
            return confirmable;
        }
        long now = nanoClock.getAsLong();
        long stored = sink.storedCheckpoint();
        if (heldSinceNanos == 0 || stored != heldAt) {
            // the timer is the oldest held batch's: the stored checkpoint stays at its start until it settles
            heldSinceNanos = now;
            heldAt = stored;
            flushedPastHeld = false;
        }
        if (now - heldSinceNanos >= FLUSH_PAST_HELD_NANOS) {
            flushUnflushed(); // flush past the hold covers what waits behind it: only once it is durable
            if (!flushedPastHeld) {
                flushedPastHeld = true;
                LOG.warn("a batch held for {} ms at {}: flushed past it so sessions at synchronous_commit = on can finish;"
                        + " a crash before it settles re-bootstraps", FLUSH_PAST_HELD_NANOS / 1_000_000, dev.lookupkeeper.core.Lsns.format(stored));
            }
            return confirmable;
        }
        return Long.compareUnsigned(stored, confirmable) < 0 ? stored : confirmable;
    }

    /**
     * Idle, between transactions, nothing in flight: everything the server sent has been applied,
     * so the WAL end of its last keepalive is passed too — strict: reported visible at once (a
     * commit at remote_apply may be waiting for it) and noted, then reported durable, only when the
     * reader finds nothing more to read ({@link #settleOwed}), the checkpoint refreshed now and then
     * (the note does not survive a crash of the server); eventual: stored, then confirmed, at most
     * once an interval. Held transactions are applied again first.
     */
    void idle(Server stream) throws Exception {
        if (sink.holding() && nanoClock.getAsLong() - lastRetryNanos > RETRY_HELD_NANOS) {
            lastRetryNanos = nanoClock.getAsLong();
            sink.retryHeld();
        }
        long serverEnd = max(stream.lastReceived(), pending);
        if (!confirmAtOnce) {
            pending = serverEnd;
            sink.passPosition(serverEnd);
            confirmable = max(confirmable, sink.storedCheckpoint());
            report(stream, true);
            return;
        }
        passNothingToApply(serverEnd);
        report(stream, true);
        if (Long.compareUnsigned(confirmable, sink.storedCheckpoint()) > 0 && !sink.holding() && intervalUp()) {
            store(confirmable); // its own commit is then only noted: no loop
        }
    }

    /**
     * Strict: a position with nothing to apply is visible as it is — no statement, only a status
     * update — while the note that lets the slot's confirmed position pass it (flush) waits. Most
     * such positions are a keepalive for the sidecar's own lookup commit, which no session waits
     * for, and the next transaction's batch covers it anyway: noting each one cost a round trip
     * to the server between one strict push and the next.
     */
    private void passNothingToApply(long lsn) throws Exception {
        if (sink.holding()) {
            // nothing is noted past a held batch (the sink refuses): the position is confirmable at once, so
            // that flushing past a hold that lasts (see durable()) covers it too, as it did before notes were lazy
            note(lsn);
        } else {
            passVisible(lsn);
        }
    }

    private void passVisible(long lsn) {
        if (!positionOwed() && Long.compareUnsigned(lsn, max(visible, confirmable)) > 0) {
            owedSinceNanos = nanoClock.getAsLong();
        }
        visible = max(visible, lsn);
    }

    /** Strict: a position with nothing to apply is owed a note past every batch (its flush may be what a session waits for). */
    private boolean positionOwed() {
        long batches = max(confirmable, unflushed.newestEnd(confirmable));
        return confirmAtOnce && Long.compareUnsigned(visible, batches) > 0;
    }

    /** Strict: whether a position is reported visible but not yet noted (nor covered by a batch since). */
    boolean noteOwed() {
        return confirmAtOnce && Long.compareUnsigned(visible, confirmable) > 0;
    }

    /**
     * Whether the reader should settle now (note what is owed, flushing the WAL first if need be):
     * a position with nothing to apply has been owed {@link ReplicationChannel#BRIEF_NANOS} (a
     * session at {@code on} may wait for its flush), or the oldest asynchronous lookup commit not
     * proved durable is {@link #ASYNC_SETTLE_NANOS} old — the next transactions usually prove them,
     * and flushing the WAL ourselves costs a transaction the walsender decodes too. Timed from the
     * oldest, so a steady stream of batches that prove nothing cannot put it off.
     */
    boolean settleDue() {
        if (!noteOwed()) {
            return false;
        }
        long now = nanoClock.getAsLong();
        if (unflushed.oldestAgeNanos(now) >= ASYNC_SETTLE_NANOS) {
            return true;
        }
        return positionOwed() && now - owedSinceNanos >= ReplicationChannel.BRIEF_NANOS;
    }

    /** How long the oldest position still owed a note has been visible only (0: none owed). */
    long owedNanos() {
        if (!noteOwed()) {
            return 0;
        }
        long now = nanoClock.getAsLong();
        return Math.max(unflushed.oldestAgeNanos(now), positionOwed() ? now - owedSinceNanos : 0);
    }

    /**
     * Strict, asynchronous sink commits: the batches whose bound the server has sent a position at or
     * past are durable — the walsender decodes only flushed WAL, so what it sends is flushed.
     */
    private void proveFlushed(long serverPosition) {
        confirmable = max(confirmable, unflushed.takeProved(serverPosition));
    }

    /** Flushes the WAL past every asynchronous commit not proved durable yet; they are durable then. */
    private void flushUnflushed() throws Exception {
        if (!unflushed.isEmpty()) {
            sink.flushCommits();
            confirmable = max(confirmable, unflushed.takeAll());
        }
    }

    /** Strict: batches whose asynchronous commits are not known to be durable yet. */
    int unflushedBatches() {
        return unflushed.size();
    }

    /**
     * Strict, the reader finding nothing more to read: notes the position owed and reports it
     * durable (sessions at {@code synchronous_commit = on} wait for flush), after flushing the WAL
     * past asynchronous commits the stream has not proved durable yet.
     */
    void settleOwed(Server stream) throws Exception {
        proveFlushed(stream.lastReceived());
        if (noteOwed()) {
            note(visible);
            report(stream, true);
        }
    }

    private void note(long lsn) throws Exception {
        flushUnflushed(); // a note never passes a batch whose commit may still be lost
        if (Long.compareUnsigned(lsn, confirmable) > 0) {
            sink.notePosition(lsn);
            confirmable = lsn;
        }
    }

    private void store(long lsn) throws Exception {
        long stored = sink.storePosition(lsn);
        lastStoreMs = nanoClock.getAsLong() / 1_000_000;
        confirmable = max(confirmable, stored);
    }

    private boolean intervalUp() {
        return nanoClock.getAsLong() / 1_000_000 - lastStoreMs >= POSITION_STORE_MS;
    }

    private static long max(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }
}
