-- What `uninstall` would drop that the current role may not (it must own it, or be a member of its
-- owner's role; a superuser may drop anything): one row per object, none when it may drop them all.
-- Objects that do not exist need nothing. lookupkeeper's trigger lives on the queue's messages table,
-- so dropping it needs that table's ownership.
-- Parameters: lookupkeeper's schema, the publication, the selection publication, the queue's schema,
-- whether the lookup table goes too.
SELECT what FROM (
SELECT 1 AS rank, 'schema ' || n.nspname AS what
FROM pg_namespace n
WHERE n.nspname = ? AND NOT pg_has_role(current_user, n.nspowner, 'USAGE')
UNION ALL
SELECT 2, 'publication ' || p.pubname
FROM pg_publication p
WHERE p.pubname IN (?, ?) AND NOT pg_has_role(current_user, p.pubowner, 'USAGE')
UNION ALL
SELECT 3, 'table ' || n.nspname || '.' || c.relname
    || CASE WHEN c.relname = 'messages' THEN ' (its trigger lookupkeeper_partition_lookup)' ELSE '' END
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ?
  AND ((c.relname = 'messages' AND EXISTS (
           SELECT 1 FROM pg_trigger t
           WHERE t.tgrelid = c.oid AND t.tgname = 'lookupkeeper_partition_lookup' AND NOT t.tgisinternal))
       OR (c.relname = 'partition_lookup' AND ?))
  AND NOT pg_has_role(current_user, c.relowner, 'USAGE')
) needed
ORDER BY rank, what
