-- Strict consistency's common batch (nothing held, no deletes), in one round trip: the upsert of
-- sink/upsert_lookup.sql in a transaction of its own that commits without waiting for its WAL to be
-- flushed, then the WAL insert position, read after the commit — so it is past the commit's record.
-- The lookup row is visible the moment COMMIT returns, which is all a session at remote_apply waits
-- for; the sidecar reports the batch as durable (flush) only once the WAL is flushed past that
-- position. Same parameters as sink/upsert_lookup.sql. The caller rolls back if a statement fails
-- (the transaction block is then left aborted).
BEGIN;
SET LOCAL synchronous_commit = off;
{{> sink/upsert_lookup.sql}}
;
COMMIT;
SELECT pg_current_wal_insert_lsn()::text AS commit_bound
