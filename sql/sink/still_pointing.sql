-- After a lock-skipping phantom heal (strict consistency): the deleted message ids some lookup row
-- still points at — rows another transaction held, to be healed again later.
-- Parameter: deleted message ids uuid[].
SELECT DISTINCT pl.last_message_id
FROM {{lookup_table}} pl
WHERE pl.last_message_id = ANY(?::uuid[])
