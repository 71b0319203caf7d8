package dev.lookupkeeper.pipeline.source.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** pgoutput protocol 1 messages built byte by byte, as the server sends them, decoded. */
class PgOutputDecoderTest {
    private final List<String> seen = new ArrayList<>();
    private final ChangeListener listener = new ChangeListener() {
        public void begin(long finalLsn, long commitTimeMs, int xid) {
            seen.add("begin " + finalLsn + " " + commitTimeMs + " " + xid);
        }

        public void insert(Relation r, TupleView row) {
            seen.add("insert " + r.table() + " " + row.uuid(0) + " " + row.uuid(1) + " " + row.timestampMicros(2) + " null=" + row.isNull(3));
        }

        public void update(Relation r, TupleView row) {
            seen.add("update " + r.table() + " " + row.uuid(0));
        }

        public void delete(Relation r, TupleView key) {
            seen.add("delete " + r.table() + " " + key.uuid(0) + " rest-null=" + key.isNull(1));
        }

        public void truncate(Relation[] relations) {
            seen.add("truncate " + relations[0].table());
        }

        public void message(boolean transactional, long lsn, String prefix, ByteBuffer content) {
            seen.add("message " + transactional + " " + prefix + " " + StandardCharsets.UTF_8.decode(content));
        }

        public void commit(long commitLsn, long endLsn, long commitTimeMs) {
            seen.add("commit " + commitLsn + " " + endLsn + " " + commitTimeMs);
        }
    };

    @Test
    void decodesATransactionWithEveryKindOfMessage() throws IOException {
        PgOutputDecoder d = new PgOutputDecoder();
        UUID id = UUID.fromString("0193f5a2-7c4e-7b1a-8f00-ffeeddccbbaa");
        UUID partition = UUID.fromString("f0000000-0000-4000-8000-000000000001");
        long pgMicros = 817_000_000_000_000L; // 2025-11-21T22:13:20Z in PostgreSQL's epoch
        d.decode(msg(o -> {
            o.writeByte('B');
            o.writeLong(0x1_0000_0100L);
            o.writeLong(pgMicros);
            o.writeInt(4242);
        }), listener);
        d.decode(msg(o -> {
            o.writeByte('R');
            o.writeInt(16400);
            cstring(o, "queen");
            cstring(o, "messages");
            o.writeByte('d');
            o.writeShort(4);
            for (String c : List.of("id", "partition_id", "created_at", "payload")) {
                o.writeByte(c.equals("id") ? 1 : 0);
                cstring(o, c);
                o.writeInt(2950);
                o.writeInt(-1);
            }
        }), listener);
        d.decode(msg(o -> {
            o.writeByte('I');
            o.writeInt(16400);
            o.writeByte('N');
            o.writeShort(4);
            text(o, id.toString());
            text(o, partition.toString().toUpperCase());
            text(o, "2026-11-27 14:20:19.123456+05:30");
            o.writeByte('n');
        }), listener);
        d.decode(msg(o -> {
            o.writeByte('D');
            o.writeInt(16400);
            o.writeByte('K');
            o.writeShort(4);
            text(o, id.toString());
            o.writeByte('n');
            o.writeByte('n');
            o.writeByte('n');
        }), listener);
        d.decode(msg(o -> {
            o.writeByte('M');
            o.writeByte(1);
            o.writeLong(0x1_0000_0180L);
            cstring(o, "lookupkeeper.watermark:lookupkeeper");
            byte[] content = "17".getBytes(StandardCharsets.US_ASCII);
            o.writeInt(content.length);
            o.write(content);
        }), listener);
        d.decode(msg(o -> {
            o.writeByte('T');
            o.writeInt(1);
            o.writeByte(0);
            o.writeInt(16400);
        }), listener);
        d.decode(msg(o -> {
            o.writeByte('C');
            o.writeByte(0);
            o.writeLong(0x1_0000_0100L);
            o.writeLong(0x1_0000_0200L);
            o.writeLong(pgMicros);
        }), listener);

        long unixMs = 946_684_800_000L + pgMicros / 1000;
        long created = Instant.parse("2026-11-27T08:50:19.123456Z").getEpochSecond() * 1_000_000L + 123_456;
        assertThat(seen).containsExactly(
                "begin " + 0x1_0000_0100L + " " + unixMs + " 4242",
                "insert messages " + id + " " + partition + " " + created + " null=true",
                "delete messages " + id + " rest-null=true",
                "message true lookupkeeper.watermark:lookupkeeper 17",
                "truncate messages",
                "commit " + 0x1_0000_0100L + " " + 0x1_0000_0200L + " " + unixMs);
    }

    @Test
    void timestampsInEveryOffsetShapeAndPrecision() {
        assertThat(ts("2026-11-27 14:20:19+00")).isEqualTo(micros("2026-11-27T14:20:19Z"));
        assertThat(ts("2026-11-27 14:20:19.5+00")).isEqualTo(micros("2026-11-27T14:20:19.5Z"));
        assertThat(ts("2026-11-27 14:20:19.000001-03")).isEqualTo(micros("2026-11-27T17:20:19.000001Z"));
        assertThat(ts("1969-12-31 23:59:59.999999+00")).isEqualTo(-1);
        assertThat(ts("2026-11-27 14:20:19.25+05:45:30")).isEqualTo(micros("2026-11-27T08:34:49.25Z"));
    }

    @Test
    void epochDaysAgreeWithJavaTime() {
        for (java.time.LocalDate d = java.time.LocalDate.of(1890, 1, 1); d.getYear() < 2110; d = d.plusDays(1)) {
            assertThat(TextValues.epochDay(d.getYear(), d.getMonthValue(), d.getDayOfMonth())).as(d.toString()).isEqualTo(d.toEpochDay());
        }
        // 30 February is not a date: the parser leaves it to java.time, which refuses it
        assertThatThrownBy(() -> ts("2026-02-30 00:00:00+00")).isInstanceOf(java.time.format.DateTimeParseException.class);
    }

    @Test
    void malformedValuesAndUnknownRelationsAreRefused() {
        assertThatThrownBy(() -> TextValues.uuid(ascii("not-a-uuid"), 0, 10)).isInstanceOf(PgOutputException.class).hasMessageContaining("uuid");
        PgOutputDecoder d = new PgOutputDecoder();
        assertThatThrownBy(() -> d.decode(msg(o -> {
            o.writeByte('I');
            o.writeInt(99);
        }), listener)).isInstanceOf(PgOutputException.class).hasMessageContaining("before its Relation message");
        assertThatThrownBy(() -> d.decode(msg(o -> o.writeByte('S')), listener)).hasMessageContaining("protocol version 1");
    }

    private static long ts(String text) {
        return TextValues.timestampMicros(ascii(text), 0, text.length());
    }

    private static long micros(String iso) {
        Instant i = Instant.parse(iso);
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private interface Writer {
        void write(DataOutputStream o) throws IOException;
    }

    private static ByteBuffer msg(Writer w) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        w.write(new DataOutputStream(bytes));
        return ByteBuffer.wrap(bytes.toByteArray());
    }

    private static void cstring(DataOutputStream o, String s) throws IOException {
        o.write(s.getBytes(StandardCharsets.UTF_8));
        o.writeByte(0);
    }

    private static void text(DataOutputStream o, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        o.writeByte('t');
        o.writeInt(b.length);
        o.write(b);
    }
}
