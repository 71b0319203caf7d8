package dev.lookupkeeper.operations.check;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.core.Failpoints;
import dev.lookupkeeper.pg.SqlTemplates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongConsumer;

/**
 * Makes the lookup equal to the truth in both directions, while pushes and the selection go on.
 * Partitions are walked in id order, in chunks; each chunk's differences are computed with
 * per-partition index probes. Rows behind or missing get the monotonic upsert; rows ahead of
 * every message their partition has (or of a partition with none) are lowered or removed one at a
 * time under the row's lock, reading the newest message in a fresh snapshot after the lock is
 * granted — so a push racing with it, trigger or stream, is never lost. Rows filed under the wrong
 * queue are removed and re-created under the right one. Every row changes in place: the selection
 * never sees an empty or partial table, and there is no swap, no extra slot and nothing to clean up
 * after a kill — rerunning simply continues.
 */
public final class Rebuild {
    /** How a row differs from the truth. */
    public enum Difference { MISSING, BEHIND, AHEAD, EXTRA, MISFILED }

    /** Counts per difference, and a sample of partitions per difference. */
    public record Report(long partitions, Map<Difference, Long> counts, Map<Difference, List<String>> samples) {
        public long total() {
            return counts.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final Settings settings;
    private final SqlTemplates sql;
    private final int sampleLimit;

    public Rebuild(Settings settings, int sampleLimit) {
        this.settings = settings;
        this.sql = SqlTemplates.of(settings);
        this.sampleLimit = sampleLimit;
    }

    /** @param apply false for --dry-run: report the differences only */
    public Report run(Connection c, boolean apply, LongConsumer progress) throws SQLException {
        Map<Difference, Long> counts = new EnumMap<>(Difference.class);
        Map<Difference, List<String>> samples = new EnumMap<>(Difference.class);
        for (Difference d : Difference.values()) {
            counts.put(d, 0L);
            samples.put(d, new ArrayList<>());
        }
        Resync repair = new Resync(settings);
        String q = Identifiers.quote(settings.queueSchema());
        UUID cursor = new UUID(0, 0);
        long partitions = 0;
        String chunkSql = sql.get("check/differences_chunk.sql");
        while (true) {
            List<Object[]> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(chunkSql)) {
                ps.setObject(1, cursor);
                ps.setInt(2, settings.backfillChunk());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new Object[] {rs.getObject(1), rs.getString(2), rs.getString(3), rs.getLong(4)});
                    }
                }
            }
            if (rows.isEmpty()) {
                break;
            }
            java.util.Set<UUID> upsert = new java.util.LinkedHashSet<>();
            Map<UUID, String> misfiled = new java.util.LinkedHashMap<>();
            Map<UUID, String> lower = new java.util.LinkedHashMap<>();
            for (Object[] r : rows) {
                UUID partition = (UUID) r[0];
                String queue = (String) r[1];
                String diff = (String) r[2];
                if ((Long) r[3] > 0) {
                    note(counts, samples, Difference.MISFILED, queue, partition);
                    misfiled.put(partition, queue);
                    upsert.add(partition);
                }
                switch (diff) {
                    case "missing" -> {
                        note(counts, samples, Difference.MISSING, queue, partition);
                        upsert.add(partition);
                    }
                    case "behind" -> {
                        note(counts, samples, Difference.BEHIND, queue, partition);
                        upsert.add(partition);
                    }
                    case "ahead" -> {
                        note(counts, samples, Difference.AHEAD, queue, partition);
                        lower.put(partition, queue);
                    }
                    case "extra" -> {
                        note(counts, samples, Difference.EXTRA, queue, partition);
                        lower.put(partition, queue);
                    }
                    default -> { }
                }
                cursor = partition;
            }
            // crash tests: LOOKUPKEEPER_FAILPOINT=rebuild-after:STEP halts after the first chunk that had work for STEP
            if (apply && !(lower.isEmpty() && upsert.isEmpty())) {
                Failpoints.hit("rebuild-after:scan");
            }
            if (apply && !lower.isEmpty()) {
                for (Map.Entry<UUID, String> e : lower.entrySet()) {
                    repair.lowerOrRemove(c, e.getValue(), e.getKey());
                }
                Failpoints.hit("rebuild-after:lower");
            }
            if (apply && !upsert.isEmpty()) {
                repairForward(c, repair, misfiled, upsert, q);
                Failpoints.hit("rebuild-after:upsert");
            }
            partitions += rows.size();
            progress.accept(partitions);
        }
        return new Report(partitions, counts, samples);
    }

    /**
     * Misfiled rows are removed and re-created under the right queue in the same transaction as the
     * forward repair, so no partition is ever missing from the lookup, whenever the process dies.
     */
    private static void repairForward(Connection c, Resync repair, Map<UUID, String> misfiled, java.util.Set<UUID> upsert, String q)
            throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + q + ".partition_lookup WHERE partition_id = ?"
                    + " AND queue_name IS DISTINCT FROM ?")) {
                for (Map.Entry<UUID, String> e : misfiled.entrySet()) {
                    ps.setObject(1, e.getKey());
                    ps.setString(2, e.getValue());
                    ps.executeUpdate();
                }
            }
            repair.upsertNewest(c, new ArrayList<>(upsert));
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    private void note(Map<Difference, Long> counts, Map<Difference, List<String>> samples, Difference d, String queue, UUID partition) {
        counts.merge(d, 1L, Long::sum);
        if (samples.get(d).size() < sampleLimit) {
            samples.get(d).add(queue + "/" + partition);
        }
    }
}
