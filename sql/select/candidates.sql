-- The queue's round-robin partition selection, served from the maintained lookup table.
-- Parameters: consumer group, queue name, limit. Ties (partitions whose newest messages share a
-- timestamp) come in partition id order, as the in-memory selection orders them: one order, every time.
SELECT p.id, p.name
FROM {{queue_schema}}.partition_lookup pl
JOIN {{queue_schema}}.partitions p ON p.id = pl.partition_id
JOIN {{queue_schema}}.queues q ON q.name = pl.queue_name
LEFT JOIN {{queue_schema}}.partition_consumers pc
       ON pc.partition_id = pl.partition_id AND pc.consumer_group = ?
WHERE pl.queue_name = ?
  AND (pc.lease_expires_at IS NULL OR pc.lease_expires_at <= now())
  AND (pc.last_consumed_created_at IS NULL
       OR (pl.last_message_created_at, pl.last_message_id) > (pc.last_consumed_created_at, pc.last_consumed_id))
  AND (q.window_buffer IS NULL OR q.window_buffer <= 0
       OR pl.last_message_created_at <= now() - q.window_buffer * interval '1 second')
ORDER BY pc.last_consumed_at ASC NULLS FIRST, pl.last_message_created_at DESC, pl.partition_id
LIMIT ?
