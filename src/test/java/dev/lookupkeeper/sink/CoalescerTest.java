package dev.lookupkeeper.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.source.MessageInserted;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CoalescerTest {
    private static final UUID P1 = UUID.fromString("00000000-0000-0000-0000-000000000001");
    private static final UUID P2 = UUID.fromString("f0000000-0000-0000-0000-000000000002");

    private static MessageInserted ev(UUID partition, String id, long micros) {
        return new MessageInserted(partition, UUID.fromString(id), micros, 0, null);
    }

    @Test
    void keepsTheGreatestCreatedAtPerPartition() {
        List<LatestMessage> out = Coalescer.coalesce(List.of(
                ev(P1, "00000000-0000-0000-0000-00000000000a", 100),
                ev(P1, "00000000-0000-0000-0000-000000000001", 300),
                ev(P1, "00000000-0000-0000-0000-00000000000f", 200),
                ev(P2, "00000000-0000-0000-0000-000000000005", 50)));
        assertThat(out).containsExactly(
                new LatestMessage(P1, UUID.fromString("00000000-0000-0000-0000-000000000001"), 300),
                new LatestMessage(P2, UUID.fromString("00000000-0000-0000-0000-000000000005"), 50));
    }

    @Test
    void breaksCreatedAtTiesByIdInPostgresUnsignedOrder() {
        // Rows of one push share created_at; the id decides. 0x8... is greater than 0x7... for
        // PostgreSQL although UUID.compareTo (signed) says the opposite.
        String high = "80000000-0000-7000-8000-000000000000";
        String low = "7fffffff-ffff-7fff-bfff-ffffffffffff";
        List<LatestMessage> out = Coalescer.coalesce(List.of(ev(P1, high, 500), ev(P1, low, 500)));
        assertThat(out).containsExactly(new LatestMessage(P1, UUID.fromString(high), 500));
        assertThat(Coalescer.coalesce(List.of(ev(P1, low, 500), ev(P1, high, 500))))
                .containsExactly(new LatestMessage(P1, UUID.fromString(high), 500));
    }

    @Test
    void orderAndDuplicatesDoNotMatter() {
        Random r = new Random(7);
        List<MessageInserted> events = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            UUID p = new UUID(0, r.nextInt(50));
            events.add(new MessageInserted(p, new UUID(r.nextLong(), r.nextLong()), r.nextInt(100), 0, null));
        }
        List<LatestMessage> once = Coalescer.coalesce(events);
        List<MessageInserted> shuffledWithReplays = new ArrayList<>(events);
        shuffledWithReplays.addAll(events.subList(0, 700));
        Collections.shuffle(shuffledWithReplays, r);
        assertThat(Coalescer.coalesce(shuffledWithReplays)).isEqualTo(once);
        assertThat(once).hasSize(50);
    }

    @Test
    void outputIsSortedByPartitionInPostgresOrder() {
        UUID a = UUID.fromString("ffffffff-0000-0000-0000-000000000000");
        UUID b = UUID.fromString("00000000-0000-0000-0000-000000000000");
        UUID c = UUID.fromString("7fffffff-0000-0000-0000-000000000000");
        List<LatestMessage> out = Coalescer.coalesce(List.of(
                ev(a, "00000000-0000-0000-0000-000000000001", 1),
                ev(b, "00000000-0000-0000-0000-000000000001", 1),
                ev(c, "00000000-0000-0000-0000-000000000001", 1)));
        assertThat(out).extracting(LatestMessage::partitionId).containsExactly(b, c, a);
    }

    @Test
    void emptyBatchGivesNothing() {
        assertThat(Coalescer.coalesce(List.of())).isEmpty();
    }
}
