-- Rows whose partition is gone, or filed under another queue than the partition's. The queue's
-- cascading foreign keys prevent both; a table without them (or edited by hand) can have them.
SELECT pl.queue_name, pl.partition_id,
       CASE WHEN p.id IS NULL THEN 'partition deleted' ELSE 'queue is ' || coalesce(q.name, 'none') END AS problem
FROM {{queue_schema}}.partition_lookup pl
LEFT JOIN {{queue_schema}}.partitions p ON p.id = pl.partition_id
LEFT JOIN {{queue_schema}}.queues q ON q.id = p.queue_id
WHERE p.id IS NULL OR q.name IS DISTINCT FROM pl.queue_name
ORDER BY pl.partition_id
