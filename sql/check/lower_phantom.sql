-- After the row is locked (FOR UPDATE, in the same transaction), lower it to the newest message
-- its partition still has. Runs in a fresh statement snapshot, so it sees every push that
-- committed before the lock was granted. Parameters: partition id, queue name, partition id.
UPDATE {{queue_schema}}.partition_lookup pl
SET last_message_id = m.id, last_message_created_at = m.created_at, updated_at = now()
FROM (
    SELECT mm.id, mm.created_at
    FROM {{queue_schema}}.messages mm
    WHERE mm.partition_id = ?
    ORDER BY mm.created_at DESC, mm.id DESC
    LIMIT 1
) m
WHERE pl.queue_name = ? AND pl.partition_id = ?
  AND (pl.last_message_created_at, pl.last_message_id) > (m.created_at, m.id)
