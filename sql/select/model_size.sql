-- The rows the in-memory selection would hold: one per partition and one per consumer row.
SELECT (SELECT count(*) FROM {{queue_schema}}.partitions) + (SELECT count(*) FROM {{queue_schema}}.partition_consumers)
