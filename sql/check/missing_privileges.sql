-- The privileges a command needs that the current role lacks, one row per object and privilege,
-- for the objects that exist (found by name in the catalogs, checked by OID: no schema lookup that
-- a missing USAGE would turn into an error, so this runs before anything reads lookupkeeper's
-- schema). Parameters: the queue's schema, lookupkeeper's schema, whether the command uses
-- lookupkeeper's schema at all, whether it writes (false: only USAGE and SELECT are needed).
WITH names AS (
    SELECT ?::text AS queue_schema, ?::text AS own_schema, ?::boolean AS own, ?::boolean AS writes
), needs(schema_name, table_name, privilege, ord) AS (
    SELECT queue_schema, NULL, 'USAGE', 1 FROM names
    UNION ALL
    SELECT queue_schema, t, 'SELECT', 2 FROM names, unnest(ARRAY['messages', 'partitions', 'queues', 'partition_consumers']) t
    UNION ALL
    SELECT queue_schema, 'partition_lookup', p, 3 FROM names, unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) p
    UNION ALL
    SELECT own_schema, NULL, 'USAGE', 4 FROM names WHERE own
    UNION ALL
    SELECT own_schema, t, p, 5
    FROM names, unnest(ARRAY['state', 'streams', 'watermark', 'replay_marks', 'shadow_lookup', 'instances', 'source_offsets']) t,
         unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) p
    WHERE own
)
SELECT CASE WHEN n.table_name IS NULL THEN 'schema ' || n.schema_name ELSE n.schema_name || '.' || n.table_name END AS object,
       n.privilege
FROM needs n
CROSS JOIN names
JOIN pg_namespace ns ON ns.nspname = n.schema_name
LEFT JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = n.table_name
WHERE (names.writes OR n.privilege IN ('USAGE', 'SELECT'))
  AND CASE WHEN n.table_name IS NULL THEN NOT has_schema_privilege(ns.oid, n.privilege)
           ELSE c.oid IS NOT NULL AND NOT has_table_privilege(c.oid, n.privilege) END
ORDER BY n.ord, n.table_name, array_position(ARRAY['USAGE', 'SELECT', 'INSERT', 'UPDATE', 'DELETE'], n.privilege)
