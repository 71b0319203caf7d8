package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.ConfigException;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.demo.PushLoad;
import dev.lookupkeeper.demo.QueenFixture;
import dev.lookupkeeper.pg.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "push", mixinStandardHelpOptions = true,
        description = "A push load generator for trying lookupkeeper out (docker/ uses it): creates queues and partitions named"
                + " load-N if missing, then pushes multi-row batches from concurrent writers.")
final class PushCommand implements Callable<Integer> {
    @Mixin
    DbOptions db;

    @Option(names = "--queues", paramLabel = "N", description = "Queues (default: 3)")
    int queues = 3;

    @Option(names = "--partitions", paramLabel = "N", description = "Partitions per queue (default: 1000)")
    int partitions = 1000;

    @Option(names = "--rate", paramLabel = "MSG/S", description = "Messages per second over all writers, 0 = as fast as possible (default: 500)")
    double rate = 500;

    @Option(names = "--writers", paramLabel = "N", description = "Concurrent writers (default: 4)")
    int writers = 4;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverters.Seconds.class, description = "How long to push (30s, 10m, or seconds), 0 = until stopped (default: 0)")
    java.time.Duration duration = java.time.Duration.ZERO;

    @Override
    public Integer call() throws Exception {
        if (queues < 1 || partitions < 1 || writers < 1 || rate < 0 || duration.isNegative()) {
            throw new ConfigException("--queues, --partitions and --writers must be positive, --rate and --duration not negative");
        }
        Settings s = db.settings();
        List<UUID> ids = new ArrayList<>();
        try (Connection c = Database.connectWithRetry(s.connection(), "lookupkeeper-push", s.connectAttempts())) {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM queen.queues WHERE name LIKE 'load-%'");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getLong(1) == 0) {
                    QueenFixture.createQueues(c, "load", queues, partitions);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT p.id FROM queen.partitions p JOIN queen.queues q ON q.id = p.queue_id"
                    + " WHERE q.name LIKE 'load-%'"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add((UUID) rs.getObject(1));
                }
            }
        }
        java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
        Signals.onTerminate(stop::countDown);
        try (PushLoad load = new PushLoad(s.connection(), ids, new PushLoad.Options(writers, rate, 20, 2, System.nanoTime())).start()) {
            long end = duration.isZero() ? Long.MAX_VALUE : System.currentTimeMillis() + duration.toMillis();
            long last = 0;
            while (System.currentTimeMillis() < end && !stop.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
                long w = load.written();
                System.out.printf("pushed %d msg/s (%d in all)%n", w - last, w);
                last = w;
                if (load.failure() != null) {
                    throw new IllegalStateException("a writer failed: " + load.failure().getMessage());
                }
            }
        }
        return ExitCodes.OK;
    }
}
