-- Notes a position strict consistency confirms without a stored checkpoint (see
-- install/confirm_notes.sql): no WAL, no transaction id. The caller only ever notes a greater
-- position. Parameters: LSN as text, the stream's note sequence (schema-qualified, quoted).
SELECT setval(v.seq::regclass, (v.lsn::pg_lsn - '0/0'::pg_lsn)::bigint)
FROM (VALUES (?, ?)) AS v(lsn, seq)
