-- The columns the stream needs that an existing publication does not ship for the messages table
-- (a column list that leaves them out), in the order the reader uses them.
-- Parameters: the publication's name, the queue's schema name.
SELECT need
FROM unnest(ARRAY['id', 'partition_id', 'created_at']) need
WHERE NOT EXISTS (SELECT 1 FROM pg_publication_tables t
                  WHERE t.pubname = ? AND t.schemaname = ? AND t.tablename = 'messages' AND need = ANY (t.attnames))
ORDER BY array_position(ARRAY['id', 'partition_id', 'created_at'], need)
