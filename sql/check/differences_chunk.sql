-- For the next chunk of partitions (by id, after the cursor): how each lookup row differs from the
-- truth (the newest message the partition has). Per-partition index probes on
-- (partition_id, created_at, id); never a scan of queen.messages. Parameters: cursor, chunk size.
WITH chunk AS (
    SELECT p.id, q.name AS queue_name
    FROM {{queue_schema}}.partitions p
    JOIN {{queue_schema}}.queues q ON q.id = p.queue_id
    WHERE p.id > ?::uuid
    ORDER BY p.id
    LIMIT ?
)
SELECT p.id AS partition_id, p.queue_name,
       CASE
           WHEN m.id IS NULL AND pl.partition_id IS NULL THEN 'ok'
           WHEN m.id IS NULL THEN 'extra'
           WHEN pl.partition_id IS NULL THEN 'missing'
           WHEN (pl.last_message_created_at, pl.last_message_id) < (m.created_at, m.id) THEN 'behind'
           WHEN (pl.last_message_created_at, pl.last_message_id) > (m.created_at, m.id) THEN 'ahead'
           ELSE 'ok'
       END AS difference,
       (SELECT count(*) FROM {{queue_schema}}.partition_lookup o
         WHERE o.partition_id = p.id AND o.queue_name IS DISTINCT FROM p.queue_name) AS misfiled
FROM chunk p
LEFT JOIN LATERAL (
    {{> fragments/newest_message.sql}}
) m ON true
LEFT JOIN {{queue_schema}}.partition_lookup pl ON pl.partition_id = p.id AND pl.queue_name = p.queue_name
ORDER BY p.id
