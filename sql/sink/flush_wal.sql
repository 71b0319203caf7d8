-- Makes every asynchronous commit of the sidecar's that returned before this statement durable:
-- the stream's own row is touched, so this transaction writes WAL of its own (the streams table is
-- in no publication: the walsender decodes it and sends nothing), and its commit — at the session's
-- synchronous_commit = local — flushes the WAL up to its record, and every record before it.
-- Parameter: stream name.
UPDATE {{schema}}.streams SET updated_at = now() WHERE stream = ?
