-- The truth, computed straight from the messages table: the newest (created_at, id) of every
-- partition that has messages. Kept in a temporary table so it can be compared later, after the
-- stream has passed the point where this snapshot was taken.
CREATE TEMPORARY TABLE lookupkeeper_truth ON COMMIT PRESERVE ROWS AS
SELECT p.id AS partition_id, q.name AS queue_name, m.id AS message_id, m.created_at
FROM {{queue_schema}}.partitions p
JOIN {{queue_schema}}.queues q ON q.id = p.queue_id
CROSS JOIN LATERAL (
    {{> fragments/newest_message.sql}}
) m
