-- Tables a publication covers and whether it publishes inserts; ? = publication name.
SELECT p.puballtables, p.pubinsert, pt.schemaname, pt.tablename
FROM pg_publication p
LEFT JOIN pg_publication_tables pt ON pt.pubname = p.pubname
WHERE p.pubname = ?
