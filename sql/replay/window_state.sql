-- The replay window as `status` and `replay` see it: where the replay slot stands (the earliest
-- position a replay can start from), the time of the mark at or after it, and the WAL it retains.
-- Parameter: the replay slot's name. No row when the slot does not exist.
SELECT s.confirmed_flush_lsn::text AS earliest_lsn,
       (SELECT min(m.at) FROM {{schema}}.replay_marks m WHERE m.lsn >= s.confirmed_flush_lsn) AS earliest_at,
       pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint AS retained_bytes,
       s.active
FROM pg_replication_slots s
WHERE s.slot_name = ? AND s.confirmed_flush_lsn IS NOT NULL
