package dev.lookupkeeper.pipeline.source.pgoutput;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * One pgoutput TupleData, read in place: the constructor-free {@link #reset} records where each
 * column's text starts in the message buffer, and the accessors parse only the columns a consumer
 * asks for. One instance is reused for every row, so decoding allocates nothing per row but the
 * values a consumer keeps.
 */
public final class TupleView {
    static final byte NULL = 'n';
    static final byte UNCHANGED_TOAST = 'u';
    static final byte TEXT = 't';

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
            if (kind == TEXT || kind == 'b') {
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
        return column < 0 || column >= columns || kinds[column] != TEXT;
    }

    public UUID uuid(int column) {
        if (isNull(column)) {
            return null;
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
        TextValues.uuid(buf, offsets[column], lengths[column], out);
        return true;
    }

    /** timestamptz as epoch microseconds; Long.MIN_VALUE for NULL. */
    public long timestampMicros(int column) {
        if (isNull(column)) {
            return Long.MIN_VALUE;
        }
        return TextValues.timestampMicros(buf, offsets[column], lengths[column]);
    }

    public long int64(int column) {
        if (isNull(column)) {
            return Long.MIN_VALUE;
        }
        return TextValues.int64(buf, offsets[column], lengths[column]);
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
