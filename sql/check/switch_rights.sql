-- What `switch` needs that the current role lacks: it creates and drops lookupkeeper's trigger on
-- the queue's messages table (and, at its last step to cdc, the queue's own), which takes that
-- table's ownership (or membership in its owner's role), and it creates the trigger's function in
-- lookupkeeper's schema, which takes CREATE there. One row per right, none when it has them all.
-- Parameters: the queue's schema, lookupkeeper's schema (twice).
SELECT what FROM (
SELECT 1 AS rank, 'ownership of table ' || n.nspname || '.messages (to create and drop its trigger)' AS what
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ? AND c.relname = 'messages' AND NOT pg_has_role(current_user, c.relowner, 'USAGE')
UNION ALL
SELECT 2, 'CREATE on schema ' || n.nspname || ' (for the trigger''s function)'
FROM pg_namespace n
WHERE n.nspname = ? AND NOT has_schema_privilege(current_user, n.oid, 'CREATE')
  AND NOT pg_has_role(current_user, n.nspowner, 'USAGE')
) needed
ORDER BY rank, what
