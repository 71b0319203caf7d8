-- `replay --from-time T` starts at the newest mark taken at or before T: every transaction
-- committed at or after T is at or after that position. Parameter: T.
SELECT max(lsn)::text FROM {{schema}}.replay_marks WHERE at <= ?
