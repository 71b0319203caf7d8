-- queen.partition_lookup in the queue's later shape: used as it is when it already exists.
-- fillfactor=50 and no index on a column every upsert changes keep updates HOT.
CREATE TABLE IF NOT EXISTS {{queue_schema}}.partition_lookup (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    queue_name varchar(255) NOT NULL REFERENCES {{queue_schema}}.queues(name) ON DELETE CASCADE,
    partition_id uuid NOT NULL REFERENCES {{queue_schema}}.partitions(id) ON DELETE CASCADE,
    last_message_id uuid NOT NULL,
    last_message_created_at timestamptz NOT NULL,
    updated_at timestamptz DEFAULT now(),
    UNIQUE (queue_name, partition_id)
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.01);
CREATE INDEX IF NOT EXISTS idx_partition_lookup_partition_id ON {{queue_schema}}.partition_lookup (partition_id);
