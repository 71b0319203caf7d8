-- Trigger mode: the statement-level equivalent of the queue's original trigger. Per INSERT
-- statement it takes the newest row per partition from the transition table, joins partitions →
-- queues for queue_name, and upserts with the monotonic guard, in partition_id order so that
-- concurrent pushes lock lookup rows in one order (no deadlocks).
CREATE OR REPLACE FUNCTION {{schema}}.maintain_partition_lookup() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO {{queue_schema}}.partition_lookup AS pl
        (queue_name, partition_id, last_message_id, last_message_created_at, updated_at)
    SELECT q.name, n.partition_id, n.id, n.created_at, now()
    FROM (
        SELECT DISTINCT ON (nr.partition_id) nr.partition_id, nr.id, nr.created_at
        FROM lookupkeeper_new_rows nr
        WHERE nr.partition_id IS NOT NULL
        ORDER BY nr.partition_id, nr.created_at DESC, nr.id DESC
    ) n
    JOIN {{queue_schema}}.partitions p ON p.id = n.partition_id
    JOIN {{queue_schema}}.queues q ON q.id = p.queue_id
    ORDER BY n.partition_id
    {{> fragments/monotonic_guard.sql}}
    ;
    RETURN NULL;
END
$fn$;
