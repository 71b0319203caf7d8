-- Newest message of the next chunk of partitions (by id, after the resume cursor), applied with
-- the same monotonic guard as the stream. One short transaction; no lock on queen.messages
-- beyond what a SELECT takes. Used by the bootstrap's backfill and by resync.
-- Parameters: cursor uuid (or all-zero), chunk size.
WITH chunk AS (
    SELECT p.id, q.name AS queue_name
    FROM {{queue_schema}}.partitions p
    JOIN {{queue_schema}}.queues q ON q.id = p.queue_id
    WHERE p.id > ?::uuid
    ORDER BY p.id
    LIMIT ?
), newest AS (
    SELECT p.queue_name, p.id AS partition_id, m.id AS message_id, m.created_at
    FROM chunk p
    CROSS JOIN LATERAL (
        {{> fragments/newest_message.sql}}
    ) m
), upserted AS (
    INSERT INTO {{lookup_table}} AS pl
        (queue_name, partition_id, last_message_id, last_message_created_at, updated_at)
    SELECT queue_name, partition_id, message_id, created_at, now()
    FROM newest
    ORDER BY partition_id
    {{> fragments/monotonic_guard.sql}}
    RETURNING (xmax = 0) AS inserted
)
SELECT (SELECT id FROM chunk ORDER BY id DESC LIMIT 1) AS last_partition,
       (SELECT count(*) FROM chunk) AS partitions,
       (SELECT count(*) FROM newest) AS with_messages,
       (SELECT count(*) FROM upserted WHERE inserted) AS inserted,
       (SELECT count(*) FROM upserted WHERE NOT inserted) AS advanced
