package dev.lookupkeeper.testing;

import java.io.IOException;
import java.io.Reader;
import java.sql.Connection;
import java.util.List;
import java.util.UUID;
import org.postgresql.PGConnection;

/** COPY of generated messages in one transaction, produced as the server reads them (no big string in memory). */
public final class CopyRows {
    private CopyRows() {}

    /** Copies rows into one partition. */
    public static void copy(PgDatabase db, UUID partition, int rows) throws Exception {
        copy(db, List.of(partition), rows);
    }

    /** Copies rows spread round-robin over the partitions, in one COPY. */
    public static void copy(PgDatabase db, List<UUID> partitions, long rows) throws Exception {
        try (Connection c = db.connect()) {
            ((PGConnection) c).getCopyAPI().copyIn("COPY queen.messages (id, transaction_id, partition_id, payload) FROM STDIN",
                    new Generator(partitions, rows));
        }
    }

    private static final class Generator extends Reader {
        private final List<UUID> partitions;
        private final long rows;
        private long next;
        private String line = "";
        private int pos;

        Generator(List<UUID> partitions, long rows) {
            this.partitions = partitions;
            this.rows = rows;
        }

        @Override
        public int read(char[] buf, int off, int len) throws IOException {
            int n = 0;
            while (n < len) {
                if (pos == line.length()) {
                    if (next == rows) {
                        return n == 0 ? -1 : n;
                    }
                    UUID id = UUID.randomUUID();
                    line = id + "\tcopy-" + id + "\t" + partitions.get((int) (next % partitions.size())) + "\t{}\n";
                    pos = 0;
                    next++;
                }
                int k = Math.min(len - n, line.length() - pos);
                line.getChars(pos, pos + k, buf, off + n);
                pos += k;
                n += k;
            }
            return n;
        }

        @Override
        public void close() {}
    }
}
