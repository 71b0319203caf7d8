package dev.lookupkeeper.pipeline.source.pgoutput;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes pgoutput protocol version 1 messages (the payload of each XLogData) straight from the
 * buffer and reports them to a {@link ChangeListener}. It keeps the Relation messages it has seen,
 * since every change names its table only by OID. Types and origins carry nothing lookupkeeper
 * needs and are skipped.
 */
public final class PgOutputDecoder {
    /** PostgreSQL's epoch (2000-01-01) in Unix milliseconds. */
    private static final long PG_EPOCH_MS = 946_684_800_000L;

    private final Map<Integer, Relation> relations = new HashMap<>();
    private final TupleView tuple = new TupleView();
    private Relation lastRelation;

    public void decode(ByteBuffer b, ChangeListener listener) {
        byte type = b.get();
        switch (type) {
            case 'B' -> {
                long finalLsn = b.getLong();
                long commitTime = b.getLong();
                int xid = b.getInt();
                listener.begin(finalLsn, toUnixMs(commitTime), xid);
            }
            case 'C' -> {
                b.get(); // flags, unused
                long commitLsn = b.getLong();
                long endLsn = b.getLong();
                long commitTime = b.getLong();
                listener.commit(commitLsn, endLsn, toUnixMs(commitTime));
            }
            case 'R' -> {
                Relation r = readRelation(b);
                relations.put(r.oid(), r);
                lastRelation = null; // a table's description changed: look it up again
                listener.relation(r);
            }
            case 'I' -> {
                Relation r = relation(b.getInt());
                expect(b, 'N', "insert");
                tuple.reset(b);
                listener.insert(r, tuple);
            }
            case 'U' -> {
                Relation r = relation(b.getInt());
                byte kind = b.get();
                if (kind == 'K' || kind == 'O') {
                    tuple.reset(b); // the old key or row: not needed, the new row follows
                    kind = b.get();
                }
                if (kind != 'N') {
                    throw new PgOutputException("update of " + r.table() + " without a new row");
                }
                tuple.reset(b);
                listener.update(r, tuple);
            }
            case 'D' -> {
                Relation r = relation(b.getInt());
                byte kind = b.get();
                if (kind != 'K' && kind != 'O') {
                    throw new PgOutputException("delete of " + r.table() + " without its key");
                }
                tuple.reset(b);
                listener.delete(r, tuple);
            }
            case 'T' -> {
                int n = b.getInt();
                b.get(); // options (cascade, restart identity)
                Relation[] rs = new Relation[n];
                for (int i = 0; i < n; i++) {
                    rs[i] = relation(b.getInt());
                }
                listener.truncate(rs);
            }
            case 'M' -> {
                boolean transactional = (b.get() & 1) != 0;
                long lsn = b.getLong();
                String prefix = cstring(b);
                int len = b.getInt();
                ByteBuffer content = b.slice(b.position(), len);
                b.position(b.position() + len);
                listener.message(transactional, lsn, prefix, content);
            }
            case 'Y', 'O' -> {
                // type and origin messages: nothing lookupkeeper uses
            }
            default -> throw new PgOutputException("unexpected pgoutput message '" + (char) type + "' (protocol version 1 expected)");
        }
    }

    private Relation relation(int oid) {
        Relation last = lastRelation;
        if (last != null && last.oid() == oid) {
            return last; // the common case: row after row of one table, no boxed map lookup
        }
        Relation r = relations.get(oid);
        if (r == null) {
            throw new PgOutputException("change for relation " + oid + " before its Relation message");
        }
        lastRelation = r;
        return r;
    }

    private static Relation readRelation(ByteBuffer b) {
        int oid = b.getInt();
        String schema = cstring(b);
        String table = cstring(b);
        b.get(); // replica identity setting
        int n = b.getShort() & 0xffff;
        List<String> columns = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            b.get(); // flags: part of the key
            columns.add(cstring(b));
            b.getInt(); // type oid
            b.getInt(); // type modifier
        }
        return new Relation(oid, schema, table, List.copyOf(columns));
    }

    private static void expect(ByteBuffer b, char kind, String what) {
        byte k = b.get();
        if (k != kind) {
            throw new PgOutputException(what + ": expected '" + kind + "', got '" + (char) k + "'");
        }
    }

    private static String cstring(ByteBuffer b) {
        int start = b.position();
        int end = start;
        while (b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        b.get(bytes);
        b.get(); // the terminator
        return new String(bytes, StandardCharsets.UTF_8);
    }

    static long toUnixMs(long pgMicros) {
        return pgMicros / 1000 + PG_EPOCH_MS;
    }
}
