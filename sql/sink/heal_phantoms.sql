-- Phantom healing, in the batch's transaction after its upsert: every lookup row whose message was
-- deleted (ids given) — or, when the second parameter is true, every row whose message no longer
-- exists (a TRUNCATE, or more deletes than a batch keeps) — moves under its row lock to the newest
-- message its partition still has, or is removed when none remain. Rows are locked in partition_id
-- order, like every other writer; in strict mode rows another transaction holds are skipped (a
-- committed transaction waiting for the sidecar must not be waited for) and healed later. One
-- probe of (partition_id, created_at, id) per row.
-- Parameters: deleted message ids uuid[], sweep every row boolean.
WITH gone AS (
    SELECT unnest(?::uuid[]) AS id
), hit AS (
    SELECT pl.queue_name, pl.partition_id AS id
    FROM {{lookup_table}} pl
    WHERE pl.last_message_id IN (SELECT id FROM gone)
       OR (?::boolean AND NOT EXISTS (SELECT 1 FROM {{queue_schema}}.messages m WHERE m.id = pl.last_message_id))
    ORDER BY pl.partition_id
    FOR UPDATE OF pl {{row_lock_wait}}
), newest AS (
    SELECT p.queue_name, p.id AS partition_id, n.id, n.created_at
    FROM hit p
    LEFT JOIN LATERAL (
        {{> fragments/newest_message.sql}}
    ) n ON true
), moved AS (
    UPDATE {{lookup_table}} pl
    SET last_message_id = newest.id, last_message_created_at = newest.created_at, updated_at = now()
    FROM newest
    WHERE newest.id IS NOT NULL AND pl.queue_name = newest.queue_name AND pl.partition_id = newest.partition_id
    RETURNING pl.partition_id, pl.last_message_id, pl.last_message_created_at
), removed AS (
    DELETE FROM {{lookup_table}} pl
    USING newest
    WHERE newest.id IS NULL AND pl.queue_name = newest.queue_name AND pl.partition_id = newest.partition_id
    RETURNING pl.partition_id
)
SELECT partition_id, last_message_id,
       (extract(epoch FROM last_message_created_at) * 1000000)::bigint AS created_us
FROM moved
UNION ALL
SELECT partition_id, NULL, NULL FROM removed
