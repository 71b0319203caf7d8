-- One tick of the replay window's clock. The time is read before the position, so every
-- transaction that commits at or after `at` has a commit record at or after `lsn`.
INSERT INTO {{schema}}.replay_marks (lsn, at)
SELECT pg_current_wal_insert_lsn(), t.now
FROM (SELECT clock_timestamp() AS now) t
ON CONFLICT (lsn) DO NOTHING
