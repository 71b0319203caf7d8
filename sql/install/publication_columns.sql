-- PostgreSQL 15+: a column list, so payloads are never decoded or shipped. Deletes carry the key
-- (id) only, so the stream can heal a lookup row whose message is gone.
CREATE PUBLICATION {{publication}}
    FOR TABLE {{queue_schema}}.messages (id, partition_id, created_at), {{schema}}.watermark
    WITH (publish = 'insert, delete, truncate');
