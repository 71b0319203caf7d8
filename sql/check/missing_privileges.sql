-- The privileges a streaming sidecar needs that the current role lacks, one row each, for the
-- objects that exist (found by name in the catalogs, checked by OID: no schema lookup that a
-- missing USAGE would turn into an error). Parameters: the queue's schema, lookupkeeper's schema.
WITH names AS (
    SELECT ?::text AS queue_schema, ?::text AS own_schema
), needs(schema_name, table_name, privilege, ord) AS (
    SELECT queue_schema, NULL, 'USAGE', 1 FROM names
    UNION ALL
    SELECT queue_schema, t, 'SELECT', 2 FROM names, unnest(ARRAY['messages', 'partitions', 'queues', 'partition_consumers']) t
    UNION ALL
    SELECT queue_schema, 'partition_lookup', p, 3 FROM names, unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) p
    UNION ALL
    SELECT own_schema, NULL, 'USAGE', 4 FROM names
    UNION ALL
    SELECT own_schema, t, p, 5
    FROM names, unnest(ARRAY['state', 'streams', 'watermark', 'replay_marks', 'shadow_lookup']) t,
         unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) p
)
SELECT n.privilege || ' on ' || CASE WHEN n.table_name IS NULL THEN 'schema ' || n.schema_name
                                     ELSE n.schema_name || '.' || n.table_name END
FROM needs n
JOIN pg_namespace ns ON ns.nspname = n.schema_name
LEFT JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = n.table_name
WHERE CASE WHEN n.table_name IS NULL THEN NOT has_schema_privilege(ns.oid, n.privilege)
           ELSE c.oid IS NOT NULL AND NOT has_table_privilege(c.oid, n.privilege) END
ORDER BY n.ord, n.table_name, n.privilege
