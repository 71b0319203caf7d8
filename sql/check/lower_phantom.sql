-- After the row is locked (FOR UPDATE, in the same transaction), lower it to the newest message
-- its partition still has. Runs in a fresh statement snapshot, so it sees every push that
-- committed before the lock was granted. Parameters: partition id, queue name.
UPDATE {{queue_schema}}.partition_lookup pl
SET last_message_id = m.id, last_message_created_at = m.created_at, updated_at = now()
FROM {{queue_schema}}.partitions p
CROSS JOIN LATERAL (
    {{> fragments/newest_message.sql}}
) m
WHERE p.id = ? AND pl.queue_name = ? AND pl.partition_id = p.id
  AND (pl.last_message_created_at, pl.last_message_id) > (m.created_at, m.id)
