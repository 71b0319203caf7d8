-- Columns lookupkeeper relies on, per table of the queue's schema (partition_lookup's shape is
-- check/lookup_table_shape.sql); ? = schema name.
SELECT c.relname AS table_name, a.attname AS column_name
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = ? AND c.relkind IN ('r', 'p')
  AND c.relname IN ('queues', 'partitions', 'messages', 'partition_consumers')
