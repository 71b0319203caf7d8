package dev.lookupkeeper.pipeline.source.debezium;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lookupkeeper.core.LatestMessage;
import dev.lookupkeeper.pipeline.batch.ChangeBatch;
import dev.lookupkeeper.pipeline.batch.RecordBatchBuilder;
import dev.lookupkeeper.pipeline.source.MalformedEventException;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** Debezium's envelopes, as the embedded engine hands them over (Connect structs), decoded into the stream's batch. */
class RecordDecoderTest {
    private static final String MESSAGES = "lookupkeeper.queen.messages";
    private static final String WATERMARK = "lookupkeeper.lookupkeeper.watermark";
    private static final UUID P = UUID.fromString("00000000-0000-0000-0000-00000000000a");
    private static final UUID Q = UUID.fromString("f0000000-0000-0000-0000-00000000000b");

    private static final Schema ROW = SchemaBuilder.struct().optional()
            .field("id", Schema.OPTIONAL_STRING_SCHEMA)
            .field("partition_id", Schema.OPTIONAL_STRING_SCHEMA)
            .field("created_at", Schema.OPTIONAL_STRING_SCHEMA).build();
    private static final Schema MARK = SchemaBuilder.struct().optional().field("id", Schema.OPTIONAL_INT64_SCHEMA).build();
    private static final Schema SOURCE = SchemaBuilder.struct()
            .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
            .field("txId", Schema.OPTIONAL_INT64_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA).build();

    private final RecordDecoder decoder = new RecordDecoder("queen", "lookupkeeper");
    private final RecordBatchBuilder builder = new RecordBatchBuilder();

    private static Schema envelope(Schema row) {
        return SchemaBuilder.struct().field("before", row).field("after", row).field("source", SOURCE)
                .field("op", Schema.STRING_SCHEMA).build();
    }

    private static SourceRecord record(String topic, Schema row, Struct before, Struct after, String op, long tx, long commitMs) {
        Schema schema = envelope(row);
        Struct source = new Struct(SOURCE).put("ts_ms", commitMs).put("txId", tx).put("lsn", 0x16B3748L);
        Struct value = new Struct(schema).put("before", before).put("after", after).put("source", source).put("op", op);
        return new SourceRecord(Map.of(), Map.of("lsn", 0x16B3748L), topic, null, schema, value);
    }

    private static SourceRecord insert(UUID partition, String id, String createdAt, long tx, long commitMs) {
        Struct row = new Struct(ROW).put("id", id).put("partition_id", partition == null ? null : partition.toString())
                .put("created_at", createdAt);
        return record(MESSAGES, ROW, null, row, "c", tx, commitMs);
    }

    private void decode(SourceRecord r) {
        decoder.decode(r, builder);
    }

    @Test
    void insertsDeletesAndWatermarksOfTwoTransactions() {
        decode(insert(P, "0196f0a0-0000-7000-8000-000000000001", "2026-11-27T04:26:14.123456Z", 900, 10_000));
        decode(insert(Q, "0196f0a0-0000-7000-8000-000000000002", "2026-11-27T04:26:15Z", 900, 10_000));
        decode(insert(P, "0196f0a0-0000-7000-8000-000000000003", "2026-11-27T04:26:14.123456Z", 900, 10_000));
        decode(record(MESSAGES, ROW, new Struct(ROW).put("id", "0196f0a0-0000-7000-8000-000000000009"), null, "d", 901, 10_500));
        decode(record(WATERMARK, MARK, null, new Struct(MARK).put("id", 42L), "c", 901, 10_500));
        decode(record(WATERMARK, MARK, new Struct(MARK).put("id", 41L), null, "d", 901, 10_500)); // the heartbeat's clean-up
        decode(new SourceRecord(Map.of(), Map.of(), "__debezium-heartbeat.lookupkeeper", null, null, null));
        ChangeBatch batch = builder.build();

        assertThat(batch.newestPerPartition()).containsExactly(
                new LatestMessage(P, UUID.fromString("0196f0a0-0000-7000-8000-000000000003"), 1795753574123456L),
                new LatestMessage(Q, UUID.fromString("0196f0a0-0000-7000-8000-000000000002"), 1795753575000000L));
        assertThat(batch.deletedMessages()).containsExactly(UUID.fromString("0196f0a0-0000-7000-8000-000000000009"));
        assertThat(batch.watermark()).isEqualTo(42);
        assertThat(batch.xids()).containsExactly(900, 901);
        assertThat(batch.transactions()).isEqualTo(2);
        assertThat(batch.events()).isEqualTo(4);
        assertThat(batch.ignoredEvents()).isEqualTo(2);
        assertThat(batch.endLsn()).isZero();
        assertThat(batch.lagsMs(11_000)).containsExactly(1_000, 1_000, 1_000, 500);
    }

    @Test
    void aTruncateOrADeleteWithoutTheKeyChecksEveryRow() {
        decode(record(MESSAGES, ROW, null, null, "t", 5, 1));
        assertThat(builder.build().sweepAllRequested()).isTrue();
        decode(record(MESSAGES, ROW, null, null, "d", 6, 1));
        assertThat(builder.build().sweepAllRequested()).isTrue();
    }

    @Test
    void messagesWithoutPartitionAreIgnoredAndUnreadableOnesNameTheirPosition() {
        decode(insert(null, "0196f0a0-0000-7000-8000-000000000001", "2026-11-27T04:26:14Z", 1, 1));
        ChangeBatch batch = builder.build();
        assertThat(batch.nothingForLookup()).isTrue();
        assertThat(batch.ignoredEvents()).isEqualTo(1);
        assertThatThrownBy(() -> decode(insert(P, "nope", "2026-11-27T04:26:14Z", 1, 1)))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("0/16B3748");
        assertThatThrownBy(() -> decode(insert(P, null, "2026-11-27T04:26:14Z", 1, 1)))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("lacks id");
    }

    @Test
    void transactionIdsKeepTheirLow32Bits() {
        SourceRecord r = insert(P, "0196f0a0-0000-7000-8000-000000000001", "2026-11-27T04:26:14Z", (3L << 32) | 0xFFFF_FFFEL, 1);
        decode(r);
        assertThat(builder.build().xids()).containsExactly(-2);
        assertThat(RecordDecoder.txId(new SourceRecord(Map.of(), Map.of(), "x", null, null, null))).isEqualTo(-1);
    }

    @Test
    void timestampsConvertToExactMicroseconds() {
        assertThat(RecordDecoder.micros("1970-01-01T00:00:00.000001Z")).isEqualTo(1L);
        assertThat(RecordDecoder.micros("2026-11-27T04:26:14.123456Z")).isEqualTo(1795753574123456L);
        assertThat(RecordDecoder.micros("1969-12-31T23:59:59.999999Z")).isEqualTo(-1L);
    }

    @Test
    void lsnIsRenderedLikePostgres() {
        assertThat(RecordDecoder.lsnText(0x16B3748L)).isEqualTo("0/16B3748");
        assertThat(RecordDecoder.lsnText((3L << 32) | 0xABCL)).isEqualTo("3/ABC");
    }
}
