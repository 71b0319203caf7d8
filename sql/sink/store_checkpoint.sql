-- A position the stream has passed with nothing to apply (empty transactions, keepalives): stored
-- before it is confirmed to the server, so the slot never runs ahead of the stored checkpoint.
-- Parameters: LSN as text, stream name.
UPDATE {{schema}}.streams
SET checkpoint_lsn = GREATEST(checkpoint_lsn, ?::pg_lsn), updated_at = now()
WHERE stream = ?
