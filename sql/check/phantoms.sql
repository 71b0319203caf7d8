-- Phantom rows: ahead of every message the partition still has (retention or eviction deleted the
-- newer ones) while some consumer group is behind the row, or no group has consumed the partition.
-- Such a partition stays at the head of the selection although it has nothing to deliver.
SELECT pl.queue_name, pl.partition_id, pl.last_message_id, pl.last_message_created_at,
       m.id AS newest_id, m.created_at AS newest_created_at
FROM {{queue_schema}}.partition_lookup pl
LEFT JOIN {{queue_schema}}.partitions p ON p.id = pl.partition_id
LEFT JOIN LATERAL (
    {{> fragments/newest_message.sql}}
) m ON true
WHERE (m.id IS NULL OR (pl.last_message_created_at, pl.last_message_id) > (m.created_at, m.id))
  AND (NOT EXISTS (SELECT 1 FROM {{queue_schema}}.partition_consumers pc WHERE pc.partition_id = pl.partition_id)
       OR EXISTS (SELECT 1 FROM {{queue_schema}}.partition_consumers pc
                  WHERE pc.partition_id = pl.partition_id
                    AND (pc.last_consumed_created_at IS NULL
                         OR (pc.last_consumed_created_at, pc.last_consumed_id) < (pl.last_message_created_at, pl.last_message_id))))
ORDER BY pl.partition_id
