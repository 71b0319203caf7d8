-- PostgreSQL 10-14: no column lists; Debezium drops the columns it does not need.
CREATE PUBLICATION {{publication}}
    FOR TABLE {{queue_schema}}.messages, {{schema}}.watermark
    WITH (publish = 'insert');
