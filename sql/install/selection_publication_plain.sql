-- PostgreSQL 10-14: the tables the in-memory selection follows, all columns. partition_lookup is
-- not here: the sidecar writes it and feeds its own rows to the selection after each commit.
CREATE PUBLICATION {{selection_publication}}
    FOR TABLE {{queue_schema}}.partition_consumers, {{queue_schema}}.partitions, {{queue_schema}}.queues;
