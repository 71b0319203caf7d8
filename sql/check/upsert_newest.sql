-- The newest message of the given partitions, applied with the monotonic guard (rebuild's
-- repair of missing and behind rows). Parameter: partition ids uuid[].
INSERT INTO {{queue_schema}}.partition_lookup AS pl
    (queue_name, partition_id, last_message_id, last_message_created_at, updated_at)
SELECT q.name, p.id, m.id, m.created_at, now()
FROM unnest(?::uuid[]) AS w(partition_id)
JOIN {{queue_schema}}.partitions p ON p.id = w.partition_id
JOIN {{queue_schema}}.queues q ON q.id = p.queue_id
CROSS JOIN LATERAL (
    {{> fragments/newest_message.sql}}
) m
ORDER BY p.id
{{> fragments/monotonic_guard.sql}}
