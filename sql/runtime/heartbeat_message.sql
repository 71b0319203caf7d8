-- A heartbeat (and watermark) as a transactional logical decoding message (PostgreSQL 14+): it
-- moves the slot on an idle queue and leaves no row to vacuum. Its id comes from the watermark
-- table's sequence, so it orders with the watermarks verify and switch insert.
-- Parameters: the message prefix, the watermark table's name.
SELECT pg_logical_emit_message(true, ?, nextval(pg_get_serial_sequence(?, 'id'))::text)
