-- The in-memory selection's starting point, read in one REPEATABLE READ transaction: one row per
-- queue, partition, consumer row and lookup row, tagged by kind. Times as epoch microseconds.
SELECT 'q' AS kind, q.id, NULL::uuid AS ref, q.name AS name, NULL::uuid AS msg,
       coalesce(q.window_buffer, 0)::bigint AS t1, NULL::bigint AS t2, NULL::bigint AS t3
FROM {{queue_schema}}.queues q
UNION ALL
SELECT 'p', p.id, p.queue_id, p.name, NULL, NULL, NULL, NULL
FROM {{queue_schema}}.partitions p
UNION ALL
SELECT 'c', c.id, c.partition_id, c.consumer_group, c.last_consumed_id,
       (extract(epoch FROM c.last_consumed_created_at) * 1000000)::bigint,
       (extract(epoch FROM c.last_consumed_at) * 1000000)::bigint,
       (extract(epoch FROM c.lease_expires_at) * 1000000)::bigint
FROM {{queue_schema}}.partition_consumers c
WHERE c.partition_id IS NOT NULL
UNION ALL
SELECT 'l', l.id, l.partition_id, l.queue_name, l.last_message_id,
       (extract(epoch FROM l.last_message_created_at) * 1000000)::bigint, NULL, NULL
FROM {{queue_schema}}.partition_lookup l
