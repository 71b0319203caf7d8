-- The row of a partition that has no message left at all. Parameters: queue name, partition id.
DELETE FROM {{queue_schema}}.partition_lookup pl
WHERE pl.queue_name = ? AND pl.partition_id = ?
  AND NOT EXISTS (SELECT 1 FROM {{queue_schema}}.messages mm WHERE mm.partition_id = pl.partition_id)
