-- The highest watermark a stream has applied, when every message committed before it is applied:
-- stored by the batch that carried it, or — when an earlier batch was held — once nothing before it
-- is held any more. Parameters: the watermark id, stream name.
UPDATE {{schema}}.streams
SET applied_watermark = GREATEST(applied_watermark, ?::bigint), updated_at = now()
WHERE stream = ?
