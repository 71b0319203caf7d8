package dev.lookupkeeper.pipeline.source.pgoutput;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * One pgoutput TupleData, read in place: the constructor-free {@link #reset} records where each
 * column's value starts in the message buffer (text, or with {@code binary 'true'} the type's send
 * format: a uuid's 16 bytes, a timestamp's microseconds), and the accessors parse only the columns a consumer
 * asks for. One instance is reused for every row, so decoding allocates nothing per row but the
 * values a consumer keeps.
 */
public final class TupleView {
    static final byte NULL = 'n';
    static final byte UNCHANGED_TOAST = 'u';
    static final byte TEXT = 't';
    static final byte BINARY = 'b';
    /** PostgreSQL's epoch (2000-01-01) in Unix microseconds: binary timestamps count from it. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    private ByteBuffer buf;
    private int columns;
    private byte[] kinds = new byte[16];
    private int[] offsets = new int[16];
    private int[] lengths = new int[16];

    /** Reads the column headers from the buffer's position; leaves the position after the tuple. */
    void reset(ByteBuffer b) {
        buf = b;
        columns = b.getShort() & 0xffff;
        if (columns > kinds.length) {
            kinds = new byte[columns];
            offsets = new int[columns];
            lengths = new int[columns];
        }
        for (int i = 0; i < columns; i++) {
            byte kind = b.get();
            kinds[i] = kind;
            if (kind == TEXT || kind == BINARY) {
                int len = b.getInt();
                offsets[i] = b.position();
                lengths[i] = len;
                b.position(b.position() + len);
            } else if (kind == NULL || kind == UNCHANGED_TOAST) {
                lengths[i] = -1;
            } else {
                throw new PgOutputException("unknown tuple column kind '" + (char) kind + "'");
            }
        }
    }

    public int columns() {
        return columns;
    }

    /** Null, or absent because the column is not in the publication's column list. */
    public boolean isNull(int column) {
        return column < 0 || column >= columns || (kinds[column] != TEXT && kinds[column] != BINARY);
    }

    public UUID uuid(int column) {
        if (isNull(column)) {
            return null;
        }
        if (kinds[column] == BINARY) {
            binaryLength(column, 16, "uuid");
            return new UUID(buf.getLong(offsets[column]), buf.getLong(offsets[column] + 8));
        }
        return TextValues.uuid(buf, offsets[column], lengths[column]);
    }

    /**
     * A uuid column's two halves into out (most significant first), without allocating.
     *
     * @return false (out untouched) for NULL
     */
    public boolean uuidInto(int column, long[] out) {
        if (isNull(column)) {
            return false;
        }
        if (kinds[column] == BINARY) {
            binaryLength(column, 16, "uuid");
            out[0] = buf.getLong(offsets[column]);
            out[1] = buf.getLong(offsets[column] + 8);
        } else {
            TextValues.uuid(buf, offsets[column], lengths[column], out);
        }
        return true;
    }

    /** timestamptz as epoch microseconds; Long.MIN_VALUE for NULL. */
    public long timestampMicros(int column) {
        if (isNull(column)) {
            return Long.MIN_VALUE;
        }
        if (kinds[column] == BINARY) {
            binaryLength(column, 8, "timestamp");
            long micros = buf.getLong(offsets[column]);
            if (micros == Long.MAX_VALUE || micros == Long.MIN_VALUE) {
                throw new PgOutputException("timestamp column " + column + " is infinity");
            }
            return micros + PG_EPOCH_MICROS;
        }
        return TextValues.timestampMicros(buf, offsets[column], lengths[column]);
    }

    public long int64(int column) {
        if (isNull(column)) {
            return Long.MIN_VALUE;
        }
        if (kinds[column] == BINARY) {
            return switch (lengths[column]) {
                case 8 -> buf.getLong(offsets[column]);
                case 4 -> buf.getInt(offsets[column]);
                case 2 -> buf.getShort(offsets[column]);
                default -> throw new PgOutputException("a binary integer of " + lengths[column] + " bytes");
            };
        }
        return TextValues.int64(buf, offsets[column], lengths[column]);
    }

    /** A binary value of the length its type sends; else the column is not of that type. */
    private void binaryLength(int column, int expected, String type) {
        if (lengths[column] != expected) {
            throw new PgOutputException("column " + column + " sent " + lengths[column] + " binary bytes, not a " + type + "'s " + expected);
        }
    }

    public String text(int column) {
        if (isNull(column)) {
            return null;
        }
        byte[] bytes = new byte[lengths[column]];
        buf.get(offsets[column], bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
