package dev.lookupkeeper.check;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
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
            for (Object[] r : rows) {
                UUID partition = (UUID) r[0];
                String queue = (String) r[1];
                String diff = (String) r[2];
                long misfiled = (Long) r[3];
                if (misfiled > 0) {
                    note(counts, samples, Difference.MISFILED, queue, partition);
                    if (apply) {
                        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + q + ".partition_lookup WHERE partition_id = ?"
                                + " AND queue_name IS DISTINCT FROM ?")) {
                            ps.setObject(1, partition);
                            ps.setString(2, queue);
                            ps.executeUpdate();
                        }
                        upsert.add(partition);
                    }
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
                        if (apply) {
                            repair.lowerOrRemove(c, queue, partition);
                        }
                    }
                    case "extra" -> {
                        note(counts, samples, Difference.EXTRA, queue, partition);
                        if (apply) {
                            repair.lowerOrRemove(c, queue, partition);
                        }
                    }
                    default -> { }
                }
                cursor = partition;
            }
            if (apply && !upsert.isEmpty()) {
                repair.upsertNewest(c, new ArrayList<>(upsert));
            }
            partitions += rows.size();
            progress.accept(partitions);
        }
        return new Report(partitions, counts, samples);
    }

    private void note(Map<Difference, Long> counts, Map<Difference, List<String>> samples, Difference d, String queue, UUID partition) {
        counts.merge(d, 1L, Long::sum);
        if (samples.get(d).size() < sampleLimit) {
            samples.get(d).add(queue + "/" + partition);
        }
    }
}
