package dev.lookupkeeper.pipeline.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.core.LatestMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What record-based sources (Debezium, Kafka) hand the sink: the same reduction the native reader's batch makes. */
class RecordBatchBuilderTest {
    private static final UUID P1 = UUID.fromString("00000000-0000-0000-0000-000000000001");
    private static final UUID P2 = UUID.fromString("f0000000-0000-0000-0000-000000000002");

    private record Insert(UUID partition, UUID message, long micros) {}

    private static ChangeBatch batchOf(List<Insert> inserts) {
        RecordBatchBuilder b = new RecordBatchBuilder();
        for (Insert i : inserts) {
            b.record(1, 0).inserted(i.partition(), i.message(), i.micros());
        }
        return b.build();
    }

    @Test
    void keepsTheGreatestCreatedAtPerPartitionSortedInPostgresOrder() {
        ChangeBatch batch = batchOf(List.of(
                new Insert(P2, UUID.fromString("00000000-0000-0000-0000-000000000005"), 50),
                new Insert(P1, UUID.fromString("00000000-0000-0000-0000-00000000000a"), 100),
                new Insert(P1, UUID.fromString("00000000-0000-0000-0000-000000000001"), 300),
                new Insert(P1, UUID.fromString("00000000-0000-0000-0000-00000000000f"), 200)));
        assertThat(batch.newestPerPartition()).containsExactly(
                new LatestMessage(P1, UUID.fromString("00000000-0000-0000-0000-000000000001"), 300),
                new LatestMessage(P2, UUID.fromString("00000000-0000-0000-0000-000000000005"), 50));
    }

    @Test
    void breaksCreatedAtTiesByIdInPostgresUnsignedOrder() {
        // rows of one push share created_at; 0x8... is greater than 0x7... for PostgreSQL, not for UUID.compareTo
        UUID high = UUID.fromString("80000000-0000-7000-8000-000000000000");
        UUID low = UUID.fromString("7fffffff-ffff-7fff-bfff-ffffffffffff");
        LatestMessage expected = new LatestMessage(P1, high, 500);
        assertThat(batchOf(List.of(new Insert(P1, high, 500), new Insert(P1, low, 500))).newestPerPartition()).containsExactly(expected);
        assertThat(batchOf(List.of(new Insert(P1, low, 500), new Insert(P1, high, 500))).newestPerPartition()).containsExactly(expected);
    }

    @Test
    void orderAndReplayedDuplicatesDoNotMatter() {
        Random r = new Random(7);
        List<Insert> inserts = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            inserts.add(new Insert(new UUID(0, r.nextInt(50)), new UUID(r.nextLong(), r.nextLong()), r.nextInt(100)));
        }
        List<LatestMessage> once = batchOf(inserts).newestPerPartition();
        List<Insert> shuffledWithReplays = new ArrayList<>(inserts);
        shuffledWithReplays.addAll(inserts.subList(0, 700));
        Collections.shuffle(shuffledWithReplays, r);
        assertThat(batchOf(shuffledWithReplays).newestPerPartition()).isEqualTo(once);
        assertThat(once).hasSize(50);
    }

    @Test
    void eachTransactionIsNamedOnceAndCommittedWithoutMovingTheCheckpoint() {
        RecordBatchBuilder b = new RecordBatchBuilder();
        b.record(10, 1_000).inserted(P1, new UUID(0, 1), 1);
        b.record(10, 1_000).inserted(P1, new UUID(0, 2), 2).watermark(7);
        b.record(-1, 0).ignored(); // a heartbeat between them
        b.record(11, 1_500).deleted(new UUID(0, 1));
        b.record(10, 1_000).inserted(P2, new UUID(0, 3), 3); // a topic's other partition interleaves: named once
        b.record(0xFFFF_FFFFL, 2_000).inserted(P2, new UUID(0, 4), 4);
        ChangeBatch batch = b.build();
        assertThat(batch.xids()).containsExactly(10, 11, -1);
        assertThat(batch.transactions()).isEqualTo(4);
        assertThat(batch.endLsn()).isZero();
        assertThat(batch.watermark()).isEqualTo(7);
        assertThat(batch.events()).isEqualTo(5);
        assertThat(batch.ignoredEvents()).isEqualTo(1);
        assertThat(batch.deletedMessages()).containsExactly(new UUID(0, 1));
        assertThat(batch.lagsMs(3_000)).containsExactly(2_000, 2_000, 1_500, 2_000, 1_000);

        ChangeBatch next = b.build();
        assertThat(next.isEmpty()).isTrue();
        assertThat(next.xids()).isEmpty();
        assertThat(next.events()).isZero();
    }
}
