package dev.lookupkeeper.pipeline.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lookupkeeper.core.LatestMessage;
import dev.lookupkeeper.core.Uuids;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The flat newest-per-partition table agrees with a plain map on random input, ties and growth included. */
class NewestByPartitionTest {
    @Test
    void agreesWithAMapOverManyPartitionsAndTies() {
        Random random = new Random(42);
        UUID[] partitions = new UUID[5000];
        for (int i = 0; i < partitions.length; i++) {
            // top bits set on half of them: PostgreSQL's unsigned order differs from UUID.compareTo there
            partitions[i] = new UUID(random.nextLong(), random.nextLong());
        }
        NewestByPartition table = new NewestByPartition();
        Map<UUID, LatestMessage> expected = new HashMap<>();
        for (int n = 0; n < 200_000; n++) {
            UUID p = partitions[random.nextInt(partitions.length)];
            UUID m = new UUID(random.nextLong(), random.nextLong());
            long created = random.nextInt(50); // many equal times: the id decides
            table.offer(p.getMostSignificantBits(), p.getLeastSignificantBits(), created, m.getMostSignificantBits(), m.getLeastSignificantBits());
            LatestMessage cur = expected.get(p);
            if (cur == null || created > cur.createdAtMicros() || created == cur.createdAtMicros() && Uuids.compare(m, cur.messageId()) > 0) {
                expected.put(p, new LatestMessage(p, m, created));
            }
        }
        List<LatestMessage> sorted = table.sorted();
        assertThat(sorted).hasSize(expected.size()).containsExactlyInAnyOrderElementsOf(expected.values());
        for (int i = 1; i < sorted.size(); i++) {
            assertThat(Uuids.compare(sorted.get(i - 1).partitionId(), sorted.get(i).partitionId())).isNegative();
        }
    }
}
