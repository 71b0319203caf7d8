-- PostgreSQL 10-14: the tables the in-memory selection follows, all columns.
CREATE PUBLICATION {{selection_publication}}
    FOR TABLE {{queue_schema}}.partition_lookup, {{queue_schema}}.partition_consumers, {{queue_schema}}.partitions,
              {{queue_schema}}.queues, {{schema}}.watermark;
