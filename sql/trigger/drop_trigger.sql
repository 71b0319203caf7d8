DROP TRIGGER IF EXISTS lookupkeeper_partition_lookup ON {{queue_schema}}.messages;
