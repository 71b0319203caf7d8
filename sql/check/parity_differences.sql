-- behind: the shadow lacks what the trigger had written by the snapshot (the stream missed it).
-- ahead: the shadow holds more than the live table has now (the trigger missed it).
SELECT 'behind' AS problem, s.queue_name, s.partition_id,
       s.last_message_created_at AS real_at, sh.last_message_created_at AS shadow_at
FROM lookupkeeper_parity s
JOIN {{queue_schema}}.partitions p ON p.id = s.partition_id
LEFT JOIN {{schema}}.shadow_lookup sh ON sh.queue_name = s.queue_name AND sh.partition_id = s.partition_id
WHERE sh.partition_id IS NULL
   OR (sh.last_message_created_at, sh.last_message_id) < (s.last_message_created_at, s.last_message_id)
UNION ALL
SELECT 'ahead', sh.queue_name, sh.partition_id, pl.last_message_created_at, sh.last_message_created_at
FROM {{schema}}.shadow_lookup sh
JOIN {{queue_schema}}.partitions p ON p.id = sh.partition_id
LEFT JOIN {{queue_schema}}.partition_lookup pl ON pl.queue_name = sh.queue_name AND pl.partition_id = sh.partition_id
WHERE pl.partition_id IS NULL
   OR (sh.last_message_created_at, sh.last_message_id) > (pl.last_message_created_at, pl.last_message_id)
ORDER BY 1, 3
