package dev.lookupkeeper.pipeline.source.pgoutput;

import static dev.lookupkeeper.pipeline.source.pgoutput.PgOutputWire.begin;
import static dev.lookupkeeper.pipeline.source.pgoutput.PgOutputWire.commit;
import static dev.lookupkeeper.pipeline.source.pgoutput.PgOutputWire.delete;
import static dev.lookupkeeper.pipeline.source.pgoutput.PgOutputWire.insert;
import static dev.lookupkeeper.pipeline.source.pgoutput.PgOutputWire.message;
import static dev.lookupkeeper.pipeline.source.pgoutput.PgOutputWire.relation;
import static dev.lookupkeeper.pipeline.source.pgoutput.PgOutputWire.truncate;
import static dev.lookupkeeper.pipeline.source.pgoutput.PgOutputWire.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lookupkeeper.config.SettingsLoader;
import dev.lookupkeeper.core.LatestMessage;
import dev.lookupkeeper.pipeline.batch.ChangeBatch;
import dev.lookupkeeper.pipeline.batch.SelectionChanges;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The fan-out, fed real pgoutput messages through the decoder: what each table and message turns
 * into in the batch, and that a batch only ever holds whole transactions.
 */
class BatchAssemblerTest {
    private static final int MESSAGES = 16400;
    private static final int WATERMARK = 16401;
    private static final int QUEUES = 16402;
    private static final int PARTITIONS = 16403;
    private static final int CONSUMERS = 16404;
    private static final int LOOKUP = 16405;
    private static final int OTHER = 16406;
    private static final int FOREIGN_WATERMARK = 16407;
    private static final String WATERMARK_PREFIX = "lookupkeeper.watermark:lookupkeeper";

    private static final UUID P1 = UUID.fromString("00000000-0000-4000-8000-000000000001");
    private static final UUID P2 = UUID.fromString("00000000-0000-4000-8000-000000000002");
    // the top bit set: PostgreSQL's unsigned order puts it after P1 and P2, UUID.compareTo before
    private static final UUID P3 = UUID.fromString("f0000000-0000-4000-8000-000000000003");
    private static final UUID M1 = UUID.fromString("0193f5a2-0000-7000-8000-000000000001");
    private static final UUID M2 = UUID.fromString("0193f5a2-0000-7000-8000-000000000002");
    private static final UUID M3 = UUID.fromString("0193f5a2-0000-7000-8000-000000000003");
    private static final UUID M4 = UUID.fromString("0193f5a2-0000-7000-8000-000000000004");
    private static final String T0 = "2026-12-01 10:00:00+00";
    private static final String T1 = "2026-12-01 10:00:01.5+00";
    private static final String T2 = "2026-12-01 12:00:02.000001+02"; // 10:00:02.000001 UTC

    private final PgOutputDecoder decoder = new PgOutputDecoder();

    private BatchAssembler assembler(boolean selection) {
        BatchAssembler a = new BatchAssembler(new SettingsLoader(Map.of()).load(null, Map.of()), selection);
        // the columns in the order the tables have them, which is not the order the assembler reads them in
        feed(a, relation(MESSAGES, "queen", "messages", "id", "transaction_id", "partition_id", "payload", "created_at"),
                relation(WATERMARK, "lookupkeeper", "watermark", "id", "created_at"),
                relation(QUEUES, "queen", "queues", "id", "name", "namespace", "window_buffer"),
                relation(PARTITIONS, "queen", "partitions", "id", "queue_id", "name", "created_at"),
                relation(CONSUMERS, "queen", "partition_consumers", "id", "partition_id", "consumer_group", "last_consumed_id",
                        "last_consumed_created_at", "last_consumed_at", "lease_expires_at", "worker_id"),
                relation(LOOKUP, "queen", "partition_lookup", "id", "queue_name", "partition_id", "last_message_id",
                        "last_message_created_at", "updated_at"),
                relation(OTHER, "public", "messages", "id", "transaction_id", "partition_id", "payload", "created_at"),
                relation(FOREIGN_WATERMARK, "elsewhere", "watermark", "id", "created_at"));
        return a;
    }

    private void feed(BatchAssembler a, ByteBuffer... messages) {
        for (ByteBuffer m : messages) {
            decoder.decode(m, a);
        }
    }

    private static ByteBuffer pushed(UUID message, UUID partition, String createdAt) {
        return insert(MESSAGES, message.toString(), "tx-" + message, partition.toString(), "{}", createdAt);
    }

    @Test
    void theNewestMessagePerPartitionAcrossTransactionsInPostgresUuidOrder() {
        BatchAssembler a = assembler(false);
        feed(a, begin(0x100, 1_000_000, 700), pushed(M1, P1, T1), pushed(M2, P1, T2), pushed(M3, P3, T0), commit(0x100, 0x180, 1_000_000));
        // an older message of P1 and a newer one of P2 in a later transaction
        feed(a, begin(0x200, 2_000_000, 701), pushed(M4, P1, T0), pushed(M1, P2, T1), commit(0x200, 0x280, 2_000_000));
        ChangeBatch b = a.take();
        assertThat(b.newestPerPartition()).containsExactly(
                new LatestMessage(P1, M2, micros("2026-12-01T10:00:02.000001Z")),
                new LatestMessage(P2, M1, micros("2026-12-01T10:00:01.5Z")),
                new LatestMessage(P3, M3, micros("2026-12-01T10:00:00Z")));
        assertThat(b.events()).isEqualTo(5);
        assertThat(b.ignoredEvents()).isZero();
        assertThat(b.transactions()).isEqualTo(2);
        assertThat(b.xids()).containsExactly(700, 701);
        assertThat(b.endLsn()).isEqualTo(0x280);
        assertThat(b.hasDeletes()).isFalse();
        assertThat(b.watermark()).isZero();
        assertThat(b.nothingForLookup()).isFalse();
    }

    @Test
    void equalTimesAreDecidedByTheMessageId() {
        BatchAssembler a = assembler(false);
        feed(a, begin(0x100, 0, 1), pushed(M3, P1, T1), pushed(M2, P1, T1), pushed(M4, P1, T1), pushed(M1, P1, T1), commit(0x100, 0x101, 0));
        assertThat(a.take().newestPerPartition()).containsExactly(new LatestMessage(P1, M4, micros("2026-12-01T10:00:01.5Z")));
    }

    @Test
    void aBatchHoldsOnlyWholeTransactions() {
        BatchAssembler a = assembler(false);
        assertThat(a.atBoundary()).isTrue();
        feed(a, begin(0x100, 0, 42), pushed(M1, P1, T1));
        assertThat(a.atBoundary()).isFalse();
        assertThatThrownBy(a::take).isInstanceOf(IllegalStateException.class).hasMessageContaining("between transactions");
        assertThat(a.current().xids()).as("the failed take kept the transaction in progress").containsExactly(42);
        assertThat(a.current().events()).isEqualTo(1);
        feed(a, commit(0x100, 0x1a0, 0));
        assertThat(a.atBoundary()).isTrue();
        ChangeBatch b = a.take();
        assertThat(b.transactions()).isEqualTo(1);
        assertThat(b.xids()).containsExactly(42);
        assertThat(b.endLsn()).isEqualTo(0x1a0);
        assertThat(b.newestPerPartition()).containsExactly(new LatestMessage(P1, M1, micros("2026-12-01T10:00:01.5Z")));

        ChangeBatch next = a.take();
        assertThat(next).isNotSameAs(b);
        assertThat(next.isEmpty()).isTrue();
        assertThat(next.events()).isZero();
        assertThat(next.xids()).isEmpty();
        assertThat(next.endLsn()).isZero();
        assertThat(next.newestPerPartition()).isEmpty();
    }

    @Test
    void aTransactionWithNothingForTheLookupStillCountsAndMovesTheEnd() {
        BatchAssembler a = assembler(false);
        feed(a, begin(0x300, 0, 9), insert(OTHER, M1.toString(), "t", P1.toString(), "{}", T1), commit(0x300, 0x3f0, 0));
        ChangeBatch b = a.take();
        assertThat(b.isEmpty()).isFalse();
        assertThat(b.transactions()).isEqualTo(1);
        assertThat(b.endLsn()).isEqualTo(0x3f0);
        assertThat(b.nothingForLookup()).isTrue();
        assertThat(b.ignoredEvents()).isEqualTo(1);
        assertThat(b.events()).isZero();
    }

    @Test
    void deletesAreCollectedByIdAndAKeyWithoutIdAsksForASweep() {
        BatchAssembler a = assembler(false);
        feed(a, begin(0x100, 0, 1), delete(MESSAGES, M1.toString(), null, null, null, null), delete(MESSAGES, M2.toString(), null, null, null, null),
                commit(0x100, 0x110, 0));
        ChangeBatch b = a.take();
        assertThat(b.deletedMessages()).containsExactly(M1, M2);
        assertThat(b.sweepAllRequested()).isFalse();
        assertThat(b.hasDeletes()).isTrue();
        assertThat(b.events()).isEqualTo(2);
        assertThat(b.newestPerPartition()).isEmpty();

        // a replica identity that does not carry the id
        feed(a, begin(0x200, 0, 2), delete(MESSAGES, M3.toString(), null, null, null, null), delete(MESSAGES, null, null, P1.toString(), null, null),
                delete(MESSAGES, M4.toString(), null, null, null, null), commit(0x200, 0x210, 0));
        ChangeBatch swept = a.take();
        assertThat(swept.sweepAllRequested()).isTrue();
        assertThat(swept.deletedMessages()).as("a sweep checks every row: no ids kept").isEmpty();
        assertThat(swept.hasDeletes()).isTrue();
        assertThat(swept.events()).as("the deletes by id; the one without id only asks for the sweep").isEqualTo(2);
    }

    @Test
    void aTruncateOfTheMessagesAsksForASweep() {
        BatchAssembler a = assembler(false);
        feed(a, begin(0x100, 0, 1), delete(MESSAGES, M1.toString(), null, null, null, null), truncate(OTHER), commit(0x100, 0x110, 0));
        ChangeBatch other = a.take();
        assertThat(other.sweepAllRequested()).as("another schema's messages table").isFalse();
        assertThat(other.deletedMessages()).containsExactly(M1);

        feed(a, begin(0x200, 0, 2), delete(MESSAGES, M1.toString(), null, null, null, null), truncate(WATERMARK, MESSAGES),
                delete(MESSAGES, M2.toString(), null, null, null, null), pushed(M3, P1, T1), commit(0x200, 0x210, 0));
        ChangeBatch b = a.take();
        assertThat(b.sweepAllRequested()).isTrue();
        assertThat(b.deletedMessages()).isEmpty();
        assertThat(b.newestPerPartition()).as("an insert after the truncate still counts")
                .containsExactly(new LatestMessage(P1, M3, micros("2026-12-01T10:00:01.5Z")));
        assertThat(b.selectionChanges()).isEmpty();
    }

    @Test
    void moreDeletesThanTheBoundTurnIntoASweep() {
        BatchAssembler a = assembler(false);
        feed(a, begin(0x100, 0, 1));
        for (int i = 0; i < ChangeBatch.MAX_DELETED_IDS; i++) {
            feed(a, delete(MESSAGES, new UUID(1, i).toString(), null, null, null, null));
        }
        assertThat(a.current().deletedMessages()).hasSize(ChangeBatch.MAX_DELETED_IDS).endsWith(new UUID(1, ChangeBatch.MAX_DELETED_IDS - 1));
        assertThat(a.current().sweepAllRequested()).isFalse();
        feed(a, delete(MESSAGES, new UUID(2, 0).toString(), null, null, null, null), commit(0x100, 0x110, 0));
        ChangeBatch b = a.take();
        assertThat(b.sweepAllRequested()).isTrue();
        assertThat(b.deletedMessages()).isEmpty();
        assertThat(b.events()).isEqualTo(ChangeBatch.MAX_DELETED_IDS + 1);
    }

    @Test
    void watermarksFromTheTableAndFromLogicalMessagesTheHighestWins() {
        BatchAssembler a = assembler(false);
        feed(a, begin(0x100, 0, 1), insert(WATERMARK, "7", T0), message(true, 0x120, WATERMARK_PREFIX, "12"),
                message(false, 0x130, WATERMARK_PREFIX, " 5\n"), insert(WATERMARK, "9", T0), commit(0x100, 0x140, 0));
        ChangeBatch b = a.take();
        assertThat(b.watermark()).isEqualTo(12);
        assertThat(b.nothingForLookup()).isFalse();

        feed(a, begin(0x200, 0, 2), insert(WATERMARK, "30", T0), message(true, 0x220, WATERMARK_PREFIX, "21"), commit(0x200, 0x240, 0));
        assertThat(a.take().watermark()).isEqualTo(30);
    }

    @Test
    void otherMessagesOtherSchemasAndUnpublishedChangesAreCountedAndIgnored() {
        BatchAssembler a = assembler(false);
        feed(a, begin(0x100, 0, 1),
                message(true, 0x110, "lookupkeeper.watermark:other_schema", "99"), // another installation's watermark
                message(true, 0x111, "someone.else", "99"),
                insert(FOREIGN_WATERMARK, "99", T0),
                delete(WATERMARK, "7", null), // the heartbeat's clean-up
                update(MESSAGES, M1.toString(), "t", P1.toString(), "{}", T1),
                update(WATERMARK, "99", T0),
                insert(MESSAGES, M2.toString(), "t", null, "{}", T1), // no partition: never in the lookup
                insert(MESSAGES, M3.toString(), "t", P1.toString(), "{}", null), // no time
                insert(OTHER, M4.toString(), "t", P1.toString(), "{}", T1),
                commit(0x100, 0x180, 0));
        ChangeBatch b = a.take();
        assertThat(b.ignoredEvents()).isEqualTo(9);
        assertThat(b.events()).isZero();
        assertThat(b.watermark()).isZero();
        assertThat(b.newestPerPartition()).isEmpty();
        assertThat(b.hasDeletes()).isFalse();
        assertThat(b.nothingForLookup()).isTrue();
        assertThat(b.transactions()).isEqualTo(1);
    }

    @Test
    void theSelectionsTablesAreIgnoredUnlessTheSelectionIsEnabled() {
        BatchAssembler a = assembler(false);
        feed(a, begin(0x100, 0, 1), selectionRows(), commit(0x100, 0x110, 0));
        ChangeBatch b = a.take();
        assertThat(b.selectionChanges()).isEmpty();
        assertThat(b.ignoredEvents()).isEqualTo(selectionRows().length - 1); // the truncate is not an event
        assertThat(b.nothingForLookup()).isTrue();
    }

    @Test
    void theSelectionsTablesBecomeSelectionChangesInStreamOrder() {
        BatchAssembler a = assembler(true);
        feed(a, begin(0x100, 0, 1), selectionRows(), commit(0x100, 0x110, 0));
        ChangeBatch b = a.take();
        Recorder r = new Recorder();
        b.selectionChanges().forEach(c -> c.accept(r));
        UUID q = UUID.fromString("a0000000-0000-4000-8000-00000000000a");
        UUID c = UUID.fromString("c0000000-0000-4000-8000-00000000000c");
        UUID l = UUID.fromString("b0000000-0000-4000-8000-00000000000b");
        long t1 = micros("2026-12-01T10:00:01.5Z");
        long t2 = micros("2026-12-01T10:00:02.000001Z");
        assertThat(r.calls).containsExactly(
                "queue " + q + " q1 30",
                "queue " + q + " q1 0",
                "partition " + P1 + " " + q + " p1",
                "consumer " + c + " " + P1 + " g1 " + M1 + " " + t1 + " " + t2 + " " + t2,
                "consumer " + c + " " + P1 + " g1 00000000-0000-0000-0000-000000000000 null null null",
                "lookup " + l + " q1 " + P1 + " " + M2 + " " + t2,
                "lookupDeleted " + l,
                "consumerDeleted " + c,
                "partitionDeleted " + P1,
                "queueDeleted " + q,
                "truncated partition_consumers");
        assertThat(b.ignoredEvents()).as("the queue row without id; the consumer row without a partition is skipped uncounted").isEqualTo(1);
        assertThat(b.events()).isZero();
        assertThat(b.nothingForLookup()).as("selection changes alone are nothing for the lookup").isTrue();
    }

    /** One of each change of the selection's tables, ending with a truncate. */
    private static ByteBuffer[] selectionRows() {
        String q = "a0000000-0000-4000-8000-00000000000a";
        String c = "c0000000-0000-4000-8000-00000000000c";
        String l = "b0000000-0000-4000-8000-00000000000b";
        return new ByteBuffer[] {
                insert(QUEUES, q, "q1", "ns", "30"),
                update(QUEUES, q, "q1", "ns", null), // no window buffer: 0
                insert(PARTITIONS, P1.toString(), q, "p1", T0),
                insert(CONSUMERS, c, P1.toString(), "g1", M1.toString(), T1, T2, T2, "w"),
                update(CONSUMERS, c, P1.toString(), "g1", null, null, null, null, null),
                insert(CONSUMERS, UUID.randomUUID().toString(), null, "g1", null, null, null, null, null), // no partition
                insert(LOOKUP, l, "q1", P1.toString(), M2.toString(), T2, T2),
                delete(LOOKUP, l, null, null, null, null, null),
                delete(CONSUMERS, c, null, null, null, null, null, null, null),
                delete(PARTITIONS, P1.toString(), null, null, null),
                delete(QUEUES, q, null, null, null),
                insert(QUEUES, null, "nameless", "ns", "1"), // no id: nothing the model could key it by
                truncate(CONSUMERS, WATERMARK, OTHER),
        };
    }

    private void feed(BatchAssembler a, ByteBuffer first, ByteBuffer[] middle, ByteBuffer last) {
        feed(a, first);
        feed(a, middle);
        feed(a, last);
    }

    private static long micros(String iso) {
        Instant i = Instant.parse(iso);
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    /** Writes every call down as one line. */
    private static final class Recorder implements SelectionChanges {
        final List<String> calls = new ArrayList<>();

        public void queue(UUID id, String name, int windowBuffer) {
            calls.add("queue " + id + " " + name + " " + windowBuffer);
        }

        public void queueDeleted(UUID id) {
            calls.add("queueDeleted " + id);
        }

        public void partition(UUID id, UUID queueId, String name) {
            calls.add("partition " + id + " " + queueId + " " + name);
        }

        public void partitionDeleted(UUID id) {
            calls.add("partitionDeleted " + id);
        }

        public void consumer(UUID id, UUID partition, String group, UUID cursorId, Long cursorCreatedAt, Long consumedAt, Long leaseExpiresAt) {
            calls.add("consumer " + id + " " + partition + " " + group + " " + cursorId + " " + cursorCreatedAt + " " + consumedAt + " " + leaseExpiresAt);
        }

        public void consumerDeleted(UUID id) {
            calls.add("consumerDeleted " + id);
        }

        public void lookup(UUID id, String queue, UUID partition, UUID messageId, long createdAt) {
            calls.add("lookup " + id + " " + queue + " " + partition + " " + messageId + " " + createdAt);
        }

        public void lookupDeleted(UUID id) {
            calls.add("lookupDeleted " + id);
        }

        public void truncated(String table) {
            calls.add("truncated " + table);
        }
    }
}
