-- PostgreSQL 15+: the tables the in-memory selection follows (all operations), with only the
-- columns it needs, so partition_consumers' message_batch is never shipped.
CREATE PUBLICATION {{selection_publication}}
    FOR TABLE {{queue_schema}}.partition_lookup (id, queue_name, partition_id, last_message_id, last_message_created_at),
              {{queue_schema}}.partition_consumers (id, partition_id, consumer_group, last_consumed_id, last_consumed_created_at,
                                                    last_consumed_at, lease_expires_at),
              {{queue_schema}}.partitions (id, queue_id, name),
              {{queue_schema}}.queues (id, name, window_buffer),
              {{schema}}.watermark;
