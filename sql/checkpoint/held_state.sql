-- What the stream holds back: transactions it delivered whose partitions are not visible yet (or,
-- in strict mode, whose lookup rows another transaction holds). The checkpoint stays at
-- held_from_lsn until they settle; `status` shows these columns.
-- Parameters: held transactions, since when (NULL when none), the held position as text (NULL
-- when none), stream name.
UPDATE {{schema}}.streams
SET held_transactions = ?, held_since = ?, held_from_lsn = ?::pg_lsn, updated_at = now()
WHERE stream = ?
