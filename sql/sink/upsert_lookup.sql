-- One statement per batch: the newest message of each partition in the batch, applied only when it
-- is newer than the row's (created_at, id) pair. Rows go in partition_id order, the same lock order
-- as any other writer (the trigger included), so concurrent writers cannot deadlock. The batch is
-- joined to the partitions once (target): a partition this statement cannot see is either deleted
-- or created by a transaction that is committed but not visible yet (the stream can deliver a
-- commit before other sessions see it) — it is returned as unseen, and the checkpoint owner tells
-- the two apart. The same statement stores the checkpoint the owner chose: the batch's end if every
-- partition was seen, else the settled position before the batch (so the stream restarts before it).
-- Parameters: partition ids uuid[], message ids uuid[], created_at as epoch microseconds bigint[],
-- highest watermark in the batch (0 if none; stored only if every partition was seen), last LSN of the batch as text, the checkpoint if every
-- partition was seen, the checkpoint if not (both NULL from sources that keep their own offsets;
-- GREATEST, so a late zombie can never move it back), stream name.
-- The commit_columns placeholder is empty, or (strict consistency's asynchronous commit, see LookupWriter) two
-- more columns: set_config('synchronous_commit', 'off', true) — the statement is its own
-- transaction, so its commit does not wait for its WAL flush — and pg_current_wal_insert_lsn(), read
-- before this commit and after every commit that returned before the statement began.
WITH batch AS (
    SELECT b.partition_id, b.message_id,
           timestamptz 'epoch' + b.created_us * interval '1 microsecond' AS created_at
    FROM unnest(?::uuid[], ?::uuid[], ?::bigint[]) AS b(partition_id, message_id, created_us)
), target AS MATERIALIZED (
    -- each partition looked up by its key (LIMIT 1 keeps it a lookup, not a join the planner may
    -- turn into a scan of every partition): PostgreSQL keeps one plan for the statement, and with a
    -- join it was a hash join over the whole partitions table for a batch of one push
    SELECT batch.partition_id, batch.message_id, batch.created_at, seen.queue_name
    FROM batch
    LEFT JOIN LATERAL (
        SELECT q.name AS queue_name
        FROM {{queue_schema}}.partitions p
        JOIN {{queue_schema}}.queues q ON q.id = p.queue_id
        WHERE p.id = batch.partition_id
        LIMIT 1
    ) seen ON true
), upserted AS (
    INSERT INTO {{lookup_table}} AS pl
        (queue_name, partition_id, last_message_id, last_message_created_at, updated_at)
    SELECT t.queue_name, t.partition_id, t.message_id, t.created_at, now()
    FROM target t
    WHERE t.queue_name IS NOT NULL
    ORDER BY t.partition_id
    {{> fragments/monotonic_guard.sql}}
    RETURNING 1
), checkpoint AS (
    UPDATE {{schema}}.streams
    SET applied_watermark = GREATEST(applied_watermark,
            CASE WHEN NOT EXISTS (SELECT 1 FROM target WHERE queue_name IS NULL) THEN ?::bigint ELSE 0 END),
        last_batch_at = now(),
        last_batch_lsn = COALESCE(?::pg_lsn, last_batch_lsn),
        checkpoint_lsn = GREATEST(checkpoint_lsn,
            CASE WHEN NOT EXISTS (SELECT 1 FROM target WHERE queue_name IS NULL) THEN ?::pg_lsn ELSE ?::pg_lsn END),
        updated_at = now()
    WHERE stream = ?
    RETURNING 1
)
SELECT (SELECT count(*) FROM upserted) AS changed_rows, (SELECT count(*) FROM checkpoint) AS state_rows,
       ARRAY(SELECT partition_id FROM target WHERE queue_name IS NULL) AS unseen
       {{commit_columns}}
