-- The queue's own tables (Queen 0.6.9 shape plus later columns), for `demo`, `bench` and tests.
-- lookupkeeper never creates these in a real deployment; the queue's server owns them.
-- partition_lookup is deliberately absent: `lookupkeeper install` creates it.
CREATE SCHEMA IF NOT EXISTS queen;

CREATE TABLE IF NOT EXISTS queen.queues (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(255) UNIQUE NOT NULL,
    namespace varchar(255),
    task varchar(255),
    priority integer DEFAULT 0,
    lease_time integer DEFAULT 300,
    retry_limit integer DEFAULT 3,
    retry_delay integer DEFAULT 1000,
    max_size integer DEFAULT 10000,
    ttl integer DEFAULT 3600,
    dead_letter_queue boolean DEFAULT false,
    dlq_after_max_retries boolean DEFAULT false,
    delayed_processing integer DEFAULT 0,
    window_buffer integer DEFAULT 0,
    retention_seconds integer DEFAULT 0,
    completed_retention_seconds integer DEFAULT 0,
    retention_enabled boolean DEFAULT false,
    encryption_enabled boolean DEFAULT false,
    max_wait_time_seconds integer DEFAULT 0,
    created_at timestamptz DEFAULT now()
);

CREATE TABLE IF NOT EXISTS queen.partitions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    queue_id uuid REFERENCES queen.queues(id) ON DELETE CASCADE,
    name varchar(255) NOT NULL DEFAULT 'Default',
    created_at timestamptz DEFAULT now(),
    last_activity timestamptz DEFAULT now(),
    UNIQUE (queue_id, name)
);

CREATE TABLE IF NOT EXISTS queen.messages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    transaction_id varchar(255) NOT NULL,
    trace_id uuid,
    partition_id uuid REFERENCES queen.partitions(id) ON DELETE CASCADE,
    payload jsonb NOT NULL,
    is_encrypted boolean DEFAULT false,
    created_at timestamptz DEFAULT now(),
    producer_sub text,
    UNIQUE (partition_id, transaction_id)
);
CREATE INDEX IF NOT EXISTS idx_messages_partition_created ON queen.messages (partition_id, created_at, id);

CREATE TABLE IF NOT EXISTS queen.partition_consumers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    partition_id uuid REFERENCES queen.partitions(id) ON DELETE CASCADE,
    consumer_group varchar(255) DEFAULT '__QUEUE_MODE__',
    last_consumed_id uuid DEFAULT '00000000-0000-0000-0000-000000000000',
    last_consumed_created_at timestamptz,
    last_consumed_at timestamptz,
    total_messages_consumed bigint DEFAULT 0,
    total_batches_consumed bigint DEFAULT 0,
    lease_expires_at timestamptz,
    lease_acquired_at timestamptz,
    message_batch jsonb,
    batch_size integer DEFAULT 0,
    acked_count integer DEFAULT 0,
    worker_id varchar(255),
    pending_estimate bigint DEFAULT 0,
    last_stats_update timestamptz,
    created_at timestamptz DEFAULT now(),
    UNIQUE (partition_id, consumer_group),
    CONSTRAINT check_cursor_consistency CHECK (
        (last_consumed_id = '00000000-0000-0000-0000-000000000000' AND last_consumed_created_at IS NULL)
        OR (last_consumed_id <> '00000000-0000-0000-0000-000000000000' AND last_consumed_created_at IS NOT NULL))
);
