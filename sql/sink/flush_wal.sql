-- Makes every asynchronous commit of the sidecar's that returned before this statement durable: a
-- transactional logical message (no table, nothing for pgoutput, which skips the then empty
-- transaction) gives this transaction WAL of its own, so its commit — at the session's
-- synchronous_commit = local — flushes the WAL up to its record, and every record before it.
-- Returns the message's position.
SELECT pg_logical_emit_message(true, 'lookupkeeper.flush', '')::text AS flushed_past
