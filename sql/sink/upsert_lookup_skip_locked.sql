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
-- Every partition is looked up by its key, one at a time (LATERAL): a strict batch is often a single
-- push, so the plan must be cheap to make and good whatever the batch's size — this shape is one
-- plan PostgreSQL keeps (generic), where set operations over the batch were planned anew each time.
-- Parameters: as upsert_lookup.sql (partition ids, message ids, created_at microseconds, watermark,
-- last LSN, the checkpoint if everything was applied, the checkpoint if not, stream name).
WITH batch AS MATERIALIZED (
    SELECT b.partition_id, b.message_id,
           timestamptz 'epoch' + b.created_us * interval '1 microsecond' AS created_at
    FROM unnest(?::uuid[], ?::uuid[], ?::bigint[]) AS b(partition_id, message_id, created_us)
    ORDER BY b.partition_id
), partition_claims AS MATERIALIZED (
    -- the partition's row, key-share locked unless another transaction holds it; when not got:
    -- whether it is there at all (visible but locked: deferred; not visible: unseen)
    SELECT b.partition_id, b.message_id, b.created_at, got.queue_name,
           CASE WHEN got.queue_name IS NULL
                THEN EXISTS (SELECT 1 FROM {{queue_schema}}.partitions p2 WHERE p2.id = b.partition_id) END AS locked_by_other
    FROM batch b
    LEFT JOIN LATERAL (
        SELECT q.name AS queue_name
        FROM {{queue_schema}}.partitions p
        JOIN {{queue_schema}}.queues q ON q.id = p.queue_id
        WHERE p.id = b.partition_id
        FOR KEY SHARE OF p SKIP LOCKED
    ) got ON true
    ORDER BY b.partition_id
), row_claims AS MATERIALIZED (
    -- the lookup row of every partition got, locked unless another transaction holds it
    SELECT c.partition_id, c.message_id, c.created_at, c.queue_name, c.locked_by_other,
           c.queue_name IS NOT NULL AND mine.partition_id IS NULL
               AND EXISTS (SELECT 1 FROM {{lookup_table}} pl2 WHERE pl2.queue_name = c.queue_name AND pl2.partition_id = c.partition_id)
               AS row_locked_by_other
    FROM partition_claims c
    LEFT JOIN LATERAL (
        SELECT pl.partition_id
        FROM {{lookup_table}} pl
        WHERE pl.queue_name = c.queue_name AND pl.partition_id = c.partition_id
        FOR UPDATE OF pl SKIP LOCKED
    ) mine ON true
    ORDER BY c.partition_id
), verdict AS MATERIALIZED (
    SELECT coalesce(bool_and(queue_name IS NOT NULL AND NOT row_locked_by_other), true) AS all_applied
    FROM row_claims
), upserted AS (
    INSERT INTO {{lookup_table}} AS pl
        (queue_name, partition_id, last_message_id, last_message_created_at, updated_at)
    SELECT r.queue_name, r.partition_id, r.message_id, r.created_at, now()
    FROM row_claims r
    WHERE r.queue_name IS NOT NULL AND NOT r.row_locked_by_other
    ORDER BY r.partition_id
    {{> fragments/monotonic_guard.sql}}
    RETURNING 1
), checkpoint AS (
    UPDATE {{schema}}.streams
    SET applied_watermark = GREATEST(applied_watermark,
            CASE WHEN (SELECT all_applied FROM verdict) THEN ?::bigint ELSE 0 END),
        last_batch_at = now(),
        last_batch_lsn = COALESCE(?::pg_lsn, last_batch_lsn),
        checkpoint_lsn = GREATEST(checkpoint_lsn,
            CASE WHEN (SELECT all_applied FROM verdict) THEN ?::pg_lsn ELSE ?::pg_lsn END),
        updated_at = now()
    WHERE stream = ?
    RETURNING 1
)
SELECT (SELECT count(*) FROM upserted) AS changed_rows, (SELECT count(*) FROM checkpoint) AS state_rows,
       ARRAY(SELECT partition_id FROM row_claims WHERE locked_by_other OR row_locked_by_other) AS deferred,
       -- partitions this statement cannot see: deleted, or created by a transaction that waits for the
       -- sidecar's confirmation (under synchronous replication it stays invisible until then)
       ARRAY(SELECT partition_id FROM row_claims WHERE NOT locked_by_other) AS unseen
