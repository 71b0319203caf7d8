package dev.lookupkeeper.pipeline.source.pgoutput;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * pgoutput protocol 1 messages as the server encodes them, for tests that feed a real decoder.
 * Tuple values are text (or null for SQL NULL); LSNs and times are given as the wire carries them
 * (times in microseconds since PostgreSQL's epoch, 2000-01-01).
 */
final class PgOutputWire {
    /** PostgreSQL's epoch (2000-01-01) in Unix microseconds. */
    static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    private PgOutputWire() {}

    private interface Body {
        void write(DataOutputStream o) throws IOException;
    }

    private static ByteBuffer encode(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            body.write(new DataOutputStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ByteBuffer.wrap(bytes.toByteArray());
    }

    static ByteBuffer begin(long finalLsn, long pgMicros, int xid) {
        return encode(o -> {
            o.writeByte('B');
            o.writeLong(finalLsn);
            o.writeLong(pgMicros);
            o.writeInt(xid);
        });
    }

    static ByteBuffer commit(long commitLsn, long endLsn, long pgMicros) {
        return encode(o -> {
            o.writeByte('C');
            o.writeByte(0);
            o.writeLong(commitLsn);
            o.writeLong(endLsn);
            o.writeLong(pgMicros);
        });
    }

    static ByteBuffer relation(int oid, String schema, String table, String... columns) {
        return encode(o -> {
            o.writeByte('R');
            o.writeInt(oid);
            cstring(o, schema);
            cstring(o, table);
            o.writeByte('d');
            o.writeShort(columns.length);
            for (String c : columns) {
                o.writeByte(c.equals("id") ? 1 : 0);
                cstring(o, c);
                o.writeInt(25); // text: the decoder does not read the type
                o.writeInt(-1);
            }
        });
    }

    static ByteBuffer insert(int oid, String... values) {
        return encode(o -> {
            o.writeByte('I');
            o.writeInt(oid);
            o.writeByte('N');
            tuple(o, values);
        });
    }

    static ByteBuffer update(int oid, String... values) {
        return encode(o -> {
            o.writeByte('U');
            o.writeInt(oid);
            o.writeByte('N');
            tuple(o, values);
        });
    }

    /** A delete with the replica identity key: the values given, the other columns null. */
    static ByteBuffer delete(int oid, String... key) {
        return encode(o -> {
            o.writeByte('D');
            o.writeInt(oid);
            o.writeByte('K');
            tuple(o, key);
        });
    }

    static ByteBuffer truncate(int... oids) {
        return encode(o -> {
            o.writeByte('T');
            o.writeInt(oids.length);
            o.writeByte(0);
            for (int oid : oids) {
                o.writeInt(oid);
            }
        });
    }

    static ByteBuffer message(boolean transactional, long lsn, String prefix, String content) {
        return encode(o -> {
            o.writeByte('M');
            o.writeByte(transactional ? 1 : 0);
            o.writeLong(lsn);
            cstring(o, prefix);
            byte[] bytes = content.getBytes(StandardCharsets.US_ASCII);
            o.writeInt(bytes.length);
            o.write(bytes);
        });
    }

    private static void tuple(DataOutputStream o, String[] values) throws IOException {
        o.writeShort(values.length);
        for (String v : values) {
            if (v == null) {
                o.writeByte('n');
            } else {
                byte[] b = v.getBytes(StandardCharsets.UTF_8);
                o.writeByte('t');
                o.writeInt(b.length);
                o.write(b);
            }
        }
    }

    private static void cstring(DataOutputStream o, String s) throws IOException {
        o.write(s.getBytes(StandardCharsets.UTF_8));
        o.writeByte(0);
    }
}
