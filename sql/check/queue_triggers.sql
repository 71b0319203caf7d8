-- Triggers on the queue's messages table, other than lookupkeeper's own, whose function writes the
-- lookup table (Queen 0.6.9 creates trg_update_partition_lookup at every server start).
-- Parameter: the queue's schema name.
SELECT t.tgname::text AS trigger_name,
       format('%I.%I', pn.nspname, p.proname) AS function_name,
       t.tgenabled <> 'D' AS enabled
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
WHERE n.nspname = ? AND c.relname = 'messages' AND NOT t.tgisinternal
  AND t.tgname <> 'lookupkeeper_partition_lookup'
  AND p.prosrc ILIKE '%partition_lookup%'
ORDER BY t.tgname
