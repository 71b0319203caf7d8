-- Tables a publication covers and which operations it publishes; ? = publication name.
SELECT p.puballtables, p.pubinsert, p.pubdelete AND p.pubtruncate, pt.schemaname, pt.tablename
FROM pg_publication p
LEFT JOIN pg_publication_tables pt ON pt.pubname = p.pubname
WHERE p.pubname = ?
