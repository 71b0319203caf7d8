-- Strict consistency's upsert: upsert_lookup.sql, except that it never waits for a row another
-- transaction holds. In strict mode a committed transaction keeps its locks until the sidecar
-- confirms it, so waiting on one is a deadlock: a DELETE of a queue or partition (whose cascade
-- locks the partition's row and its lookup row) waits for the sidecar, while the sidecar waits
-- for those rows. Such partitions are returned as deferred: the caller applies them again once
-- the lock is gone (by then, usually, so is the partition). Partitions first, then lookup rows,
-- each in partition_id order.
-- A partition this statement cannot see (deleted, or created by a transaction waiting for the
-- sidecar's confirmation) is returned as unseen. The checkpoint moves to the batch's end only when
-- nothing was deferred or unseen; else to the settled position before the batch.
-- Parameters: as upsert_lookup.sql (partition ids, message ids, created_at microseconds, watermark,
-- last LSN, the checkpoint if everything was applied, the checkpoint if not, stream name).
WITH batch AS (
    SELECT b.partition_id, b.message_id,
           timestamptz 'epoch' + b.created_us * interval '1 microsecond' AS created_at
    FROM unnest(?::uuid[], ?::uuid[], ?::bigint[]) AS b(partition_id, message_id, created_us)
), free_partitions AS MATERIALIZED (
    SELECT p.id, p.queue_id
    FROM {{queue_schema}}.partitions p
    WHERE p.id IN (SELECT partition_id FROM batch)
    ORDER BY p.id
    FOR KEY SHARE OF p SKIP LOCKED
), free_rows AS MATERIALIZED (
    SELECT pl.partition_id
    FROM {{lookup_table}} pl
    WHERE pl.partition_id IN (SELECT id FROM free_partitions)
    ORDER BY pl.partition_id
    FOR UPDATE OF pl SKIP LOCKED
), busy AS MATERIALIZED (
    -- visible partitions we could not lock, and existing lookup rows we could not lock
    (SELECT p.id AS partition_id FROM {{queue_schema}}.partitions p WHERE p.id IN (SELECT partition_id FROM batch)
     EXCEPT SELECT id FROM free_partitions)
    UNION
    (SELECT pl.partition_id FROM {{lookup_table}} pl WHERE pl.partition_id IN (SELECT id FROM free_partitions)
     EXCEPT SELECT partition_id FROM free_rows)
), upserted AS (
    INSERT INTO {{lookup_table}} AS pl
        (queue_name, partition_id, last_message_id, last_message_created_at, updated_at)
    SELECT q.name, batch.partition_id, batch.message_id, batch.created_at, now()
    FROM batch
    JOIN free_partitions p ON p.id = batch.partition_id
    JOIN {{queue_schema}}.queues q ON q.id = p.queue_id
    WHERE batch.partition_id NOT IN (SELECT partition_id FROM busy)
    ORDER BY batch.partition_id
    {{> fragments/monotonic_guard.sql}}
    RETURNING 1
), checkpoint AS (
    UPDATE {{schema}}.streams
    SET applied_watermark = GREATEST(applied_watermark,
            CASE WHEN NOT EXISTS (SELECT 1 FROM busy)
                  AND NOT EXISTS (SELECT 1 FROM batch b WHERE NOT EXISTS (SELECT 1 FROM {{queue_schema}}.partitions p WHERE p.id = b.partition_id))
                 THEN ?::bigint ELSE 0 END),
        last_batch_at = now(),
        last_batch_lsn = COALESCE(?::pg_lsn, last_batch_lsn),
        checkpoint_lsn = GREATEST(checkpoint_lsn,
            CASE WHEN NOT EXISTS (SELECT 1 FROM busy)
                  AND NOT EXISTS (SELECT 1 FROM batch b WHERE NOT EXISTS (SELECT 1 FROM {{queue_schema}}.partitions p WHERE p.id = b.partition_id))
                 THEN ?::pg_lsn ELSE ?::pg_lsn END),
        updated_at = now()
    WHERE stream = ?
    RETURNING 1
)
SELECT (SELECT count(*) FROM upserted) AS changed_rows, (SELECT count(*) FROM checkpoint) AS state_rows,
       ARRAY(SELECT partition_id FROM busy) AS deferred,
       -- partitions this statement cannot see: deleted, or created by a transaction that waits for the
       -- sidecar's confirmation (under synchronous replication it stays invisible until then)
       ARRAY(SELECT b.partition_id FROM batch b
             WHERE NOT EXISTS (SELECT 1 FROM {{queue_schema}}.partitions p WHERE p.id = b.partition_id)) AS unseen
