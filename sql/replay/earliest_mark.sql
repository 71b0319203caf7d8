-- The time of the replay window's first mark at or after a position (the replay slot's confirmed
-- position: the earliest a replay can start from). Parameter: the LSN as text. NULL when none.
SELECT min(m.at) FROM {{schema}}.replay_marks m WHERE m.lsn >= ?::pg_lsn
