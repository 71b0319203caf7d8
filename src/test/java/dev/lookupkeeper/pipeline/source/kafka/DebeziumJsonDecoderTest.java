package dev.lookupkeeper.pipeline.source.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lookupkeeper.core.LatestMessage;
import dev.lookupkeeper.pipeline.batch.ChangeBatch;
import dev.lookupkeeper.pipeline.batch.RecordBatchBuilder;
import dev.lookupkeeper.pipeline.source.MalformedEventException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Shapes of JsonConverter output, decoded into the stream's batch (the real ones run against a broker in KafkaModeIT). */
class DebeziumJsonDecoderTest {
    private static final UUID P = UUID.fromString("00000000-0000-0000-0000-00000000000a");
    private static final UUID Q = UUID.fromString("f0000000-0000-0000-0000-00000000000b");
    private static final String ROW = "{\"before\":%s,\"after\":%s,"
            + "\"source\":{\"version\":\"3.6.1.Final\",\"ts_ms\":%d,\"txId\":%d,\"lsn\":123},\"op\":\"%s\",\"ts_ms\":1795753574300}";

    private final DebeziumJsonDecoder decoder = new DebeziumJsonDecoder();
    private final RecordBatchBuilder builder = new RecordBatchBuilder();

    private static String insert(UUID partition, String id, String createdAt, long tx, long commitMs) {
        return ROW.formatted("null", "{\"id\":\"" + id + "\",\"partition_id\":\"" + partition + "\",\"created_at\":\"" + createdAt + "\"}",
                commitMs, tx, "c");
    }

    private void decode(String json) {
        decoder.decode(json == null ? null : json.getBytes(StandardCharsets.UTF_8), "t/0/7", builder);
    }

    @Test
    void insertsOfTwoTransactionsReduceToTheNewestPerPartitionWithTheirIds() {
        decode(insert(P, "0196f0a0-0000-7000-8000-000000000001", "2026-11-27T04:26:14.123456Z", 900, 1795753574200L));
        decode(insert(P, "0196f0a0-0000-7000-8000-000000000003", "2026-11-27T04:26:14.123456Z", 900, 1795753574200L));
        decode(insert(Q, "0196f0a0-0000-7000-8000-000000000002", "2026-11-27T04:26:15Z", 900, 1795753574200L));
        // schemas enabled, a later transaction whose 64-bit id carries an epoch: its low 32 bits count
        decode("{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"op\"}]},\"payload\":"
                + insert(P, "0196f0a0-0000-7000-8000-000000000002", "2026-11-27T04:26:14.000001Z", (1L << 32) | 901, 1795753574700L)
                        .replace("\"op\":\"c\"", "\"op\":\"r\"") + "}");
        ChangeBatch batch = builder.build();

        assertThat(batch.newestPerPartition()).containsExactly(
                new LatestMessage(P, UUID.fromString("0196f0a0-0000-7000-8000-000000000003"), 1795753574123456L),
                new LatestMessage(Q, UUID.fromString("0196f0a0-0000-7000-8000-000000000002"), 1795753575000000L));
        assertThat(batch.xids()).containsExactly(900, 901);
        assertThat(batch.transactions()).isEqualTo(2);
        assertThat(batch.events()).isEqualTo(4);
        assertThat(batch.endLsn()).isZero();
        assertThat(batch.watermark()).isZero();
        assertThat(batch.hasDeletes()).isFalse();
        // three events committed at ...200, one at ...700: one lag per event
        assertThat(batch.lagsMs(1795753575200L)).containsExactly(1000, 1000, 1000, 500);
    }

    @Test
    void deletesNameTheMessageAndATruncateChecksEveryRow() {
        decode(ROW.formatted("{\"id\":\"0196f0a0-0000-7000-8000-000000000009\",\"partition_id\":null,\"created_at\":null}", "null",
                1795753574200L, 77, "d"));
        ChangeBatch deletes = builder.build();
        assertThat(deletes.deletedMessages()).containsExactly(UUID.fromString("0196f0a0-0000-7000-8000-000000000009"));
        assertThat(deletes.sweepAllRequested()).isFalse();
        assertThat(deletes.xids()).containsExactly(77);
        assertThat(deletes.newestPerPartition()).isEmpty();

        decode("{\"before\":null,\"after\":null,\"source\":{\"ts_ms\":1,\"txId\":78},\"op\":\"t\"}");
        ChangeBatch truncated = builder.build();
        assertThat(truncated.sweepAllRequested()).isTrue();
        assertThat(truncated.xids()).containsExactly(78);
    }

    @Test
    void tombstonesUpdatesAndMessagesWithoutPartitionCarryNothing() {
        decode(null);
        decode("{\"schema\":null,\"payload\":null}");
        decode(insert(P, "0196f0a0-0000-7000-8000-000000000001", "2026-11-27T04:26:14Z", 5, 1).replace("\"op\":\"c\"", "\"op\":\"u\""));
        decode(ROW.formatted("null", "{\"id\":\"0196f0a0-0000-7000-8000-000000000001\",\"partition_id\":null,\"created_at\":\"2026-11-27T04:26:14Z\"}",
                1, 6, "c"));
        ChangeBatch batch = builder.build();
        assertThat(batch.ignoredEvents()).isEqualTo(4);
        assertThat(batch.nothingForLookup()).isTrue();
        assertThat(batch.events()).isZero();
    }

    @Test
    void malformedRecordsNameTheirPositionAndLeaveTheBatchAlone() {
        for (String bad : new String[] {"{\"not\": \"an event\"}", "[1,2]", "{\"op\":\"c\"}", "{\"op\":\"c\",\"after\":{\"partition_id\":\"x\"}}",
                "{\"op\":\"c\",\"after\":{\"id\":\"nope\",\"partition_id\":\"nope\",\"created_at\":\"yesterday\"}}", "{\"op\":\"z\"}", "{oops",
                "{\"op\":\"d\",\"before\":{\"id\":\"nope\"},\"source\":{\"txId\":3}}"}) {
            assertThatThrownBy(() -> decode(bad)).as(bad).isInstanceOf(MalformedEventException.class).hasMessageContaining("t/0/7");
        }
        ChangeBatch batch = builder.build();
        assertThat(batch.xids()).isEmpty();
        assertThat(batch.events()).isZero();
        assertThat(batch.transactions()).isZero();
    }
}
