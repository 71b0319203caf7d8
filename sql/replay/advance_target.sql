-- Where the replay slot may move to: the newest mark that has left the window, by age or by the
-- WAL it would keep. NULL while every mark is inside the window.
-- Parameters: window in seconds, WAL cap in bytes.
SELECT max(m.lsn)::text
FROM {{schema}}.replay_marks m
WHERE m.at <= clock_timestamp() - ?::double precision * interval '1 second'
   OR pg_wal_lsn_diff(pg_current_wal_insert_lsn(), m.lsn) >= ?::bigint
