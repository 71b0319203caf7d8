-- Takes a SHARE ROW EXCLUSIVE lock on queen.messages for a catalog update; run with a lock_timeout.
CREATE TRIGGER lookupkeeper_partition_lookup
    AFTER INSERT ON {{queue_schema}}.messages
    REFERENCING NEW TABLE AS lookupkeeper_new_rows
    FOR EACH STATEMENT EXECUTE PROCEDURE {{schema}}.maintain_partition_lookup();
