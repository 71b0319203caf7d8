package dev.lookupkeeper.bench;

import dev.lookupkeeper.pg.EmbeddedServer;
import java.io.IOException;
import java.nio.file.Path;

/** The server every suite of one `bench` run starts: zonky's bundled PostgreSQL, or a local installation. */
public final class BenchServers {
    private static volatile Path postgresBin;
    private static volatile boolean fsync;

    private BenchServers() {}

    /** @param bin a local PostgreSQL bin directory (`--postgres-bin`), or null for the bundled server */
    public static void use(Path bin) {
        use(bin, false);
    }

    /** @param walFsync flush WAL to the disk at commit (`--fsync on`), as production servers do */
    public static void use(Path bin, boolean walFsync) {
        postgresBin = bin;
        fsync = walFsync;
    }

    static EmbeddedServer start(int maxConnections) throws IOException {
        Path bin = postgresBin;
        return bin == null ? EmbeddedServer.start(maxConnections, fsync) : EmbeddedServer.startLocal(bin, maxConnections, fsync);
    }

    /** The local installation's bin directory (`--postgres-bin`), or null for the bundled server. */
    static Path localBin() {
        return postgresBin;
    }

    /** What the figures were measured on, for the report's heading. */
    static String describe() {
        Path bin = postgresBin;
        return (bin == null ? "the bundled PostgreSQL (zonky)" : "PostgreSQL from " + bin) + (fsync ? ", fsync on" : ", fsync off");
    }
}
