-- Compares the lookup with the truth snapshot. A partition deleted since the snapshot is skipped:
-- its row went away with it. Messages newer than the snapshot only move rows forward, so they can
-- never make a row look stale.
SELECT t.partition_id, t.queue_name,
       CASE WHEN pl.partition_id IS NULL THEN 'missing' ELSE 'stale' END AS problem,
       t.created_at AS truth_created_at, t.message_id AS truth_message_id,
       pl.last_message_created_at AS lookup_created_at, pl.last_message_id AS lookup_message_id
FROM lookupkeeper_truth t
JOIN {{queue_schema}}.partitions p ON p.id = t.partition_id
LEFT JOIN {{queue_schema}}.partition_lookup pl
       ON pl.partition_id = t.partition_id AND pl.queue_name = t.queue_name
WHERE pl.partition_id IS NULL
   OR (pl.last_message_created_at, pl.last_message_id) < (t.created_at, t.message_id)
ORDER BY t.partition_id
