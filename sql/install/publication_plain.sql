-- PostgreSQL 10-14: no column lists; the reader skips the columns it does not need. Deletes carry
-- the key (id) only.
CREATE PUBLICATION {{publication}}
    FOR TABLE {{queue_schema}}.messages, {{schema}}.watermark
    WITH (publish = 'insert, delete, truncate');
