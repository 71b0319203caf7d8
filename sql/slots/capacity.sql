-- Room for one more stream: the slots and walsenders the server allows, how many are taken, and
-- whether this sidecar's slot is one of them (then it needs no new one). Parameter: the slot name.
SELECT current_setting('max_replication_slots')::int,
       (SELECT count(*) FROM pg_replication_slots)::int,
       EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ?),
       current_setting('max_wal_senders')::int,
       (SELECT count(*) FROM pg_stat_replication)::int
