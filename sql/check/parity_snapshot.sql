-- The trigger-maintained lookup as of one snapshot, to compare with the shadow once the shadow
-- stream has passed a watermark inserted after this snapshot.
CREATE TEMPORARY TABLE lookupkeeper_parity ON COMMIT PRESERVE ROWS AS
SELECT queue_name, partition_id, last_message_id, last_message_created_at
FROM {{queue_schema}}.partition_lookup
