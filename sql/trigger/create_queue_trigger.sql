-- `switch --to trigger --queue-trigger`: the queue's own trigger instead of lookupkeeper's, on the
-- function the queue's server created (Queen 0.6.9: update_partition_lookup_trigger(), which it
-- keeps; lookupkeeper never drops it). Takes a SHARE ROW EXCLUSIVE lock on the messages table for a
-- catalog update; run with a lock_timeout.
CREATE TRIGGER trg_update_partition_lookup
    AFTER INSERT ON {{queue_schema}}.messages
    REFERENCING NEW TABLE AS new_messages
    FOR EACH STATEMENT EXECUTE FUNCTION {{queue_schema}}.update_partition_lookup_trigger();
