-- PostgreSQL 15+: the tables the in-memory selection follows (all operations), with only the
-- columns it needs, so partition_consumers' message_batch is never shipped. partition_lookup is
-- not here: the sidecar writes it and feeds its own rows to the selection after each commit.
CREATE PUBLICATION {{selection_publication}}
    FOR TABLE {{queue_schema}}.partition_consumers (id, partition_id, consumer_group, last_consumed_id, last_consumed_created_at,
                                                    last_consumed_at, lease_expires_at),
              {{queue_schema}}.partitions (id, queue_id, name),
              {{queue_schema}}.queues (id, name, window_buffer);
