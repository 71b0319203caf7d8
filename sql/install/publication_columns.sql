-- PostgreSQL 15+: a column list, so payloads are never decoded or shipped.
CREATE PUBLICATION {{publication}}
    FOR TABLE {{queue_schema}}.messages (id, partition_id, created_at), {{schema}}.watermark
    WITH (publish = 'insert');
