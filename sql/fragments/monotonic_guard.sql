-- The monotonic guard, the end of every upsert into a lookup table: a row moves only to a newer
-- (created_at, id) pair, so replays, overlapping writers and late batches can never move it back.
-- The including INSERT names its target AS pl. Included by sink/upsert_lookup*.sql,
-- bootstrap/backfill_chunk.sql, check/upsert_newest.sql and trigger/create_function.sql.
ON CONFLICT (queue_name, partition_id) DO UPDATE
    SET last_message_id = EXCLUDED.last_message_id,
        last_message_created_at = EXCLUDED.last_message_created_at,
        updated_at = EXCLUDED.updated_at
    WHERE (pl.last_message_created_at, pl.last_message_id)
        < (EXCLUDED.last_message_created_at, EXCLUDED.last_message_id)
