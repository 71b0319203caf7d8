-- Transactions held back from the checkpoint (design §2a), over the streams that keep the lookup
-- (main, and kafka in Kafka mode; not a parity shadow's or a replay's): how many, since when the oldest
-- waits (as JSON text, like the other timestamps of `status --json`), for how many seconds, and the
-- checkpoint it keeps the stream at. Read through to_jsonb so an install from before the held
-- columns answers 0 held.
WITH h AS (
    SELECT COALESCE((to_jsonb(s) ->> 'held_transactions')::int, 0) AS transactions,
           (to_jsonb(s) ->> 'held_since')::timestamptz AS since,
           to_jsonb(s) ->> 'held_from_lsn' AS from_lsn
    FROM {{schema}}.streams s
    WHERE s.stream IN ('main', 'kafka')
)
SELECT COALESCE(sum(transactions), 0)::int,
       to_jsonb(min(since)) #>> '{}',
       extract(epoch FROM now() - min(since)),
       (array_agg(from_lsn ORDER BY since) FILTER (WHERE since IS NOT NULL))[1]
FROM h
