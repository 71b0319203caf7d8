package dev.lookupkeeper.selection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The in-memory selection answers as candidates.sql does: never-consumed partitions first (newest
 * message first), then consumed ones by last_consumed_at ASC, last_message_created_at DESC; a
 * lease, a cursor at or past the newest message, the window buffer and a missing partition keep a
 * partition out; times are judged by the clock the caller gives.
 */
class SelectionModelTest {
    private static final long S = 1_000_000; // a second in microseconds
    private static final long NOW = 1_800_000_000L * S;
    private static final UUID QUEUE = id(0xa0);
    private static final UUID OTHER_QUEUE = id(0xa1);

    private final SelectionModel model = new SelectionModel();

    private static UUID id(int n) {
        return new UUID(0x0193_0000_0000_7000L, 0x8000_0000_0000_0000L | n);
    }

    SelectionModelTest() {
        model.putQueue(new SelectionModel.Queue(QUEUE, "q", 0));
        model.putQueue(new SelectionModel.Queue(OTHER_QUEUE, "other", 0));
    }

    /** A partition of queue "q" named after n, whose newest message (id n + 100) was created at the given time. */
    private UUID partition(int n, long createdAt) {
        UUID p = id(n);
        model.putPartition(new SelectionModel.Partition(p, QUEUE, "p" + n));
        model.putLookup(new SelectionModel.LookupRow(id(n + 50), "q", p, id(n + 100), createdAt));
        return p;
    }

    private void consumer(int n, String group, UUID partition, UUID cursor, Long cursorAt, Long consumedAt, Long lease) {
        model.putConsumer(new SelectionModel.Consumer(id(n), partition, group, cursor, cursorAt, consumedAt, lease));
    }

    private List<String> names(String group, int limit, long now) {
        return model.candidates("q", group, limit, now).stream().map(PartitionSelector.Candidate::name).toList();
    }

    @Test
    void neverConsumedFirstNewestFirstThenLeastRecentlyConsumed() {
        UUID p1 = partition(1, NOW - 50 * S);
        partition(2, NOW - 10 * S);
        UUID p3 = partition(3, NOW - 40 * S);
        UUID p4 = partition(4, NOW - 30 * S);
        UUID p5 = partition(5, NOW - 20 * S);
        UUID p6 = partition(6, NOW - 60 * S);
        // cursors behind each partition's newest message, so only the order decides
        consumer(11, "g", p3, id(0), NOW - 90 * S, NOW - 5 * S, null);
        consumer(12, "g", p4, id(0), NOW - 90 * S, NOW - 7 * S, null);
        consumer(13, "g", p5, id(0), NOW - 90 * S, null, null); // a row, but never consumed: NULLS FIRST
        consumer(14, "g", p6, id(0), NOW - 90 * S, NOW - 7 * S, null); // same last_consumed_at as p4, older message
        consumer(15, "g", p1, id(0), NOW - 90 * S, NOW - 9 * S, null);
        assertThat(names("g", 10, NOW)).containsExactly("p2", "p5", "p1", "p4", "p6", "p3");
        // another group has consumed nothing: newest message first
        assertThat(names("h", 10, NOW)).containsExactly("p2", "p5", "p4", "p3", "p1", "p6");
    }

    @Test
    void theLimitCutsTheOrderAnywhere() {
        partition(1, NOW - 3 * S);
        partition(2, NOW - 2 * S);
        UUID p3 = partition(3, NOW - 1 * S);
        UUID p4 = partition(4, NOW - 4 * S);
        consumer(11, "g", p3, id(0), NOW - 90 * S, NOW - 8 * S, null);
        consumer(12, "g", p4, id(0), NOW - 90 * S, NOW - 9 * S, null);
        assertThat(names("g", 10, NOW)).containsExactly("p2", "p1", "p4", "p3");
        assertThat(names("g", 3, NOW)).containsExactly("p2", "p1", "p4");
        assertThat(names("g", 1, NOW)).containsExactly("p2");
        assertThat(names("g", 0, NOW)).isEmpty();
    }

    @Test
    void aLeaseKeepsThePartitionOutUntilItExpiresByTheGivenClock() {
        UUID p1 = partition(1, NOW - 10 * S);
        partition(2, NOW - 20 * S);
        consumer(11, "g", p1, id(0), NOW - 90 * S, NOW - 5 * S, NOW + 3 * S);
        assertThat(names("g", 10, NOW)).containsExactly("p2");
        assertThat(names("g", 10, NOW + 3 * S - 1)).containsExactly("p2");
        assertThat(names("g", 10, NOW + 3 * S)).as("lease_expires_at <= now() is expired").containsExactly("p2", "p1");
        assertThat(names("h", 10, NOW)).as("another group's lease").containsExactly("p1", "p2");
    }

    @Test
    void aCursorAtOrPastTheNewestMessageKeepsThePartitionOut() {
        long t = NOW - 10 * S;
        UUID p1 = partition(1, t); // newest message id(101)
        consumer(11, "g", p1, id(101), t, NOW - 5 * S, null);
        assertThat(names("g", 10, NOW)).as("cursor at the newest message").isEmpty();
        consumer(11, "g", p1, id(102), t, NOW - 5 * S, null);
        assertThat(names("g", 10, NOW)).as("same time, a later id").isEmpty();
        consumer(11, "g", p1, id(99), t + 1, NOW - 5 * S, null);
        assertThat(names("g", 10, NOW)).as("a later time").isEmpty();
        consumer(11, "g", p1, id(100), t, NOW - 5 * S, null);
        assertThat(names("g", 10, NOW)).as("same time, an earlier id").containsExactly("p1");
        consumer(11, "g", p1, id(101), t, NOW - 5 * S, null);
        model.advanceLookup(p1, id(7), t + 1);
        assertThat(names("g", 10, NOW)).as("a newer message pushed").containsExactly("p1");
        consumer(11, "g", p1, new UUID(0, 0), null, NOW - 5 * S, null);
        assertThat(names("g", 10, NOW)).as("no cursor time: never consumed a message").containsExactly("p1");
    }

    @Test
    void theWindowBufferHoldsBackPartitionsWithAMessageTooNew() {
        model.putQueue(new SelectionModel.Queue(QUEUE, "q", 10));
        partition(1, NOW - 10 * S);
        partition(2, NOW - 10 * S + 1);
        partition(3, NOW - 30 * S);
        assertThat(names("g", 10, NOW)).as("created_at <= now() - window_buffer").containsExactly("p1", "p3");
        assertThat(names("g", 10, NOW + 1)).containsExactly("p2", "p1", "p3");
        model.putQueue(new SelectionModel.Queue(QUEUE, "q", 0));
        assertThat(names("g", 10, NOW)).containsExactly("p2", "p1", "p3");
    }

    @Test
    void onlyTheQueuesOwnRowsAndKnownPartitionsAreCandidates() {
        partition(1, NOW - 10 * S);
        UUID foreign = id(9);
        model.putPartition(new SelectionModel.Partition(foreign, OTHER_QUEUE, "p9"));
        model.putLookup(new SelectionModel.LookupRow(id(59), "other", foreign, id(109), NOW - S));
        // a lookup row whose partition the model does not know (not yet seen, or deleted)
        model.putLookup(new SelectionModel.LookupRow(id(58), "q", id(8), id(108), NOW - S));
        assertThat(names("g", 10, NOW)).containsExactly("p1");
        assertThat(model.candidates("other", "g", 10, NOW)).containsExactly(new PartitionSelector.Candidate(foreign, "p9"));
        assertThat(model.candidates("missing", "g", 10, NOW)).isEmpty();
    }

    @Test
    void deletedQueuesPartitionsLookupRowsAndConsumers() {
        UUID p1 = partition(1, NOW - 10 * S);
        UUID p2 = partition(2, NOW - 20 * S);
        partition(3, NOW - 30 * S);
        consumer(11, "g", p1, id(0), NOW - 90 * S, NOW - 5 * S, NOW + 60 * S); // leased
        assertThat(names("g", 10, NOW)).containsExactly("p2", "p3");

        model.removeConsumer(id(11));
        assertThat(names("g", 10, NOW)).as("its consumer row deleted: never consumed again").containsExactly("p1", "p2", "p3");

        model.removePartition(p2);
        assertThat(names("g", 10, NOW)).containsExactly("p1", "p3");
        model.putPartition(new SelectionModel.Partition(p2, QUEUE, "p2"));
        assertThat(names("g", 10, NOW)).as("the partition's lookup row went with it").containsExactly("p1", "p3");

        model.removeLookup(id(51)); // p1's lookup row, by its id
        assertThat(names("g", 10, NOW)).containsExactly("p3");

        model.removeQueue(QUEUE);
        assertThat(names("g", 10, NOW)).isEmpty();
        model.putQueue(new SelectionModel.Queue(QUEUE, "renamed", 0));
        assertThat(model.candidates("renamed", "g", 10, NOW)).as("the rows name the queue \"q\"").isEmpty();
        model.putQueue(new SelectionModel.Queue(QUEUE, "q", 0));
        assertThat(names("g", 10, NOW)).containsExactly("p3");
    }

    @Test
    void theLookupFollowsTheSinkMonotonicallyAndAHealMovesItAnyWay() {
        UUID p1 = partition(1, NOW - 10 * S);
        partition(2, NOW - 20 * S);
        model.advanceLookup(p1, id(200), NOW - 30 * S);
        assertThat(names("g", 10, NOW)).as("an older message does not move the row").containsExactly("p1", "p2");
        model.advanceLookup(p1, id(100), NOW - 10 * S);
        assertThat(names("g", 10, NOW)).as("an equal message id does not move it").containsExactly("p1", "p2");
        model.setLookup(p1, id(200), NOW - 30 * S);
        assertThat(names("g", 10, NOW)).as("healed back to an older message").containsExactly("p2", "p1");
        model.advanceLookup(id(7), id(300), NOW); // a partition the model does not know: skipped
        assertThat(names("g", 10, NOW)).containsExactly("p2", "p1");

        // a partition with no lookup row gets one from the sink, under its queue's name
        UUID p3 = id(3);
        model.putPartition(new SelectionModel.Partition(p3, QUEUE, "p3"));
        assertThat(names("g", 10, NOW)).containsExactly("p2", "p1");
        model.advanceLookup(p3, id(103), NOW - 25 * S);
        assertThat(names("g", 10, NOW)).containsExactly("p2", "p3", "p1");
        model.removeLookupOfPartition(p3);
        assertThat(names("g", 10, NOW)).containsExactly("p2", "p1");
    }

    @Test
    void aConsumedPartitionMovesWithItsNewestMessage() {
        UUID p1 = partition(1, NOW - 30 * S);
        UUID p2 = partition(2, NOW - 20 * S);
        consumer(11, "g", p1, id(0), NOW - 90 * S, NOW - 5 * S, null);
        consumer(12, "g", p2, id(0), NOW - 90 * S, NOW - 5 * S, null);
        assertThat(names("g", 10, NOW)).containsExactly("p2", "p1");
        model.advanceLookup(p1, id(7), NOW - 10 * S);
        assertThat(names("g", 10, NOW)).as("same last_consumed_at: the newer message first").containsExactly("p1", "p2");
    }

    @Test
    void clearingForAReloadEmptiesEverything() {
        UUID p1 = partition(1, NOW - 10 * S);
        consumer(11, "g", p1, id(0), NOW - 90 * S, NOW - 5 * S, null);
        assertThat(model.describe()).isEqualTo("2 queues, 1 partitions, 1 lookup rows, 1 consumer rows");
        model.apply(List.of(model::clear));
        assertThat(model.describe()).isEqualTo("0 queues, 0 partitions, 0 lookup rows, 0 consumer rows");
        assertThat(names("g", 10, NOW)).isEmpty();
    }
}
