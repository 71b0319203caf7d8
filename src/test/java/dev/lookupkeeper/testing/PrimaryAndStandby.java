package dev.lookupkeeper.testing;

import dev.lookupkeeper.config.ConnectionSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A primary and its physical standby (streaming replication) from the machine's PostgreSQL
 * binaries, as a queue's database usually runs in production: a test can promote the standby and
 * stop the old primary.
 */
public final class PrimaryAndStandby implements AutoCloseable {
    private final LocalBinariesCluster primary;
    private final LocalBinariesCluster standby;

    private PrimaryAndStandby(LocalBinariesCluster primary, LocalBinariesCluster standby) {
        this.primary = primary;
        this.standby = standby;
    }

    /** Empty when this machine has no PostgreSQL binaries with pg_basebackup. */
    public static Optional<PrimaryAndStandby> start(Map<String, String> settings) throws IOException, InterruptedException {
        Optional<Path> bin = LocalBinariesCluster.findBinaries();
        if (bin.isEmpty() || !bin.get().resolve("pg_basebackup").toFile().canExecute()) {
            return Optional.empty();
        }
        LocalBinariesCluster primary = LocalBinariesCluster.start(bin.get(), settings);
        return Optional.of(new PrimaryAndStandby(primary, primary.standby()));
    }

    public PgCluster primary() {
        return primary;
    }

    public PgCluster standby() {
        return standby;
    }

    /** Both servers in one connection: the primary first, pgjdbc finds the one that is primary now. */
    public ConnectionSettings both(String database) {
        ConnectionSettings p = primary.admin().withDatabase(database);
        ConnectionSettings s = standby.admin();
        return new ConnectionSettings(p.host(), p.port(), database, p.user(), p.password(), p.sslMode(),
                List.of(s.host() + ":" + s.port()), "primary");
    }

    public void promoteStandby() throws IOException, InterruptedException {
        standby.promote();
    }

    /** Stops the old primary at once, as a crash would. */
    public void stopPrimary() {
        primary.close();
    }

    @Override
    public void close() {
        standby.close();
        primary.close();
    }
}
