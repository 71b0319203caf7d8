-- lookupkeeper's trigger on queen.messages, if any: whether it is enabled, and its type bits.
-- tgtype bits: 1 = ROW (clear for a statement-level trigger), 2 = BEFORE, 4 = INSERT, 64 = INSTEAD.
-- Parameter: the queue's schema name.
SELECT t.tgenabled <> 'D' AS enabled,
       (t.tgtype & 1) = 0 AS statement_level,
       (t.tgtype & 2) = 0 AND (t.tgtype & 64) = 0 AS after,
       (t.tgtype & 4) <> 0 AS on_insert
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ? AND c.relname = 'messages' AND t.tgname = 'lookupkeeper_partition_lookup' AND NOT t.tgisinternal
