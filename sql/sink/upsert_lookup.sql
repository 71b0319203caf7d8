-- One statement per batch: the newest message of each partition in the batch, applied only when it
-- is newer than the row's (created_at, id) pair. Rows go in partition_id order, the same lock order
-- as any other writer (the trigger included), so concurrent writers cannot deadlock. Partitions
-- deleted meanwhile drop out through the join, and so do partitions created by a transaction that is
-- committed but not yet visible: the statement returns both as unseen, and the caller tells them
-- apart. The same statement advances the stream's checkpoint.
-- Parameters: partition ids uuid[], message ids uuid[], created_at as epoch microseconds bigint[],
-- highest watermark in the batch (0 if none), last LSN of the batch as text, the stream's checkpoint
-- (the commit end LSN of the batch's last transaction, or NULL from sources that keep their own
-- offsets; GREATEST, so a late zombie can never move it back), stream name.
WITH batch AS (
    SELECT b.partition_id, b.message_id,
           timestamptz 'epoch' + b.created_us * interval '1 microsecond' AS created_at
    FROM unnest(?::uuid[], ?::uuid[], ?::bigint[]) AS b(partition_id, message_id, created_us)
), upserted AS (
    INSERT INTO {{lookup_table}} AS pl
        (queue_name, partition_id, last_message_id, last_message_created_at, updated_at)
    SELECT q.name, batch.partition_id, batch.message_id, batch.created_at, now()
    FROM batch
    JOIN {{queue_schema}}.partitions p ON p.id = batch.partition_id
    JOIN {{queue_schema}}.queues q ON q.id = p.queue_id
    ORDER BY batch.partition_id
    ON CONFLICT (queue_name, partition_id) DO UPDATE
        SET last_message_id = EXCLUDED.last_message_id,
            last_message_created_at = EXCLUDED.last_message_created_at,
            updated_at = EXCLUDED.updated_at
        WHERE (pl.last_message_created_at, pl.last_message_id)
            < (EXCLUDED.last_message_created_at, EXCLUDED.last_message_id)
    RETURNING 1
), checkpoint AS (
    UPDATE {{schema}}.streams
    SET applied_watermark = GREATEST(applied_watermark, ?::bigint),
        last_batch_at = now(),
        last_batch_lsn = COALESCE(?::pg_lsn, last_batch_lsn),
        checkpoint_lsn = GREATEST(checkpoint_lsn, ?::pg_lsn),
        updated_at = now()
    WHERE stream = ?
    RETURNING 1
)
SELECT (SELECT count(*) FROM upserted) AS changed_rows, (SELECT count(*) FROM checkpoint) AS state_rows,
       -- partitions this statement cannot see: deleted, or created by a transaction of the batch that
       -- is committed but not yet visible (the stream can deliver a commit a moment before it is)
       ARRAY(SELECT b.partition_id FROM batch b
             WHERE NOT EXISTS (SELECT 1 FROM {{queue_schema}}.partitions p WHERE p.id = b.partition_id)) AS unseen
