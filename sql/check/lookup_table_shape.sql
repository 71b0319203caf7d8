-- The one definition of "the lookup table has the shape lookupkeeper needs", shared by install,
-- every command's preflight and verify. One row: whether the table exists, the columns it lacks,
-- and whether it has an index the upserts' ON CONFLICT (queue_name, partition_id) can use as its
-- arbiter — unique, valid, not deferrable, not partial, with exactly queue_name and partition_id
-- as its key columns (INCLUDE columns do not count; an expression or a third key column makes
-- another key, which PostgreSQL would not infer). Parameter: the queue's schema name.
WITH t AS (
    SELECT c.oid
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ? AND c.relname = 'partition_lookup' AND c.relkind IN ('r', 'p')
)
SELECT EXISTS (SELECT 1 FROM t) AS table_exists,
       ARRAY(SELECT w.col
             FROM unnest(ARRAY['queue_name', 'partition_id', 'last_message_id', 'last_message_created_at', 'updated_at'])
                  WITH ORDINALITY AS w(col, ord)
             WHERE NOT EXISTS (SELECT 1 FROM t JOIN pg_attribute a
                                 ON a.attrelid = t.oid AND a.attname = w.col AND a.attnum > 0 AND NOT a.attisdropped)
             ORDER BY w.ord) AS missing_columns,
       EXISTS (SELECT 1
               FROM t
               JOIN pg_index i ON i.indrelid = t.oid
               WHERE i.indisunique AND i.indisvalid AND i.indimmediate AND i.indpred IS NULL
                 -- key columns: indnkeyatts from PostgreSQL 11, every column before (no INCLUDE then)
                 AND coalesce((to_jsonb(i) ->> 'indnkeyatts')::int, i.indnatts) = 2
                 AND (SELECT array_agg(a.attname::text ORDER BY a.attname)
                      FROM pg_attribute a
                      WHERE a.attrelid = t.oid AND a.attnum IN (i.indkey[0], i.indkey[1]))
                     = ARRAY['partition_id', 'queue_name']) AS has_arbiter
