-- Transactions held back from the checkpoint (design §2a), over every stream of this database
-- (main, and kafka: each Kafka-mode process publishes its own): how many, since when the oldest
-- waits (as JSON text, like the other timestamps of `status --json`), for how many seconds, and the
-- checkpoint it keeps the stream at. Read through to_jsonb so an install from before the held
-- columns answers 0 held.
WITH h AS (
    SELECT COALESCE((to_jsonb(s) ->> 'held_transactions')::int, 0) AS transactions,
           (to_jsonb(s) ->> 'held_since')::timestamptz AS since,
           to_jsonb(s) ->> 'held_from_lsn' AS from_lsn
    FROM {{schema}}.streams s
)
SELECT COALESCE(sum(transactions), 0)::int,
       to_jsonb(min(since)) #>> '{}',
       extract(epoch FROM now() - min(since)),
       (array_agg(from_lsn ORDER BY since) FILTER (WHERE since IS NOT NULL))[1]
FROM h
