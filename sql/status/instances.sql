-- Every `lookupkeeper run` that reported within the last ten minutes. The leader is the instance
-- whose session holds the leader advisory lock right now (pg_locks: a bigint key shows as
-- classid = high half, objid = low half, objsubid = 1), whatever its own row says.
SELECT i.instance_id, i.host, i.pid, i.streaming, i.role,
       extract(epoch FROM now() - i.seen_at)::float8 AS seen_seconds_ago,
       i.clock_offset_ms,
       EXISTS (SELECT 1 FROM pg_locks l
               WHERE l.locktype = 'advisory' AND l.granted AND l.pid = i.backend_pid AND l.objsubid = 1
                 AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtext(?)::bigint) AS holds_lock
FROM {{schema}}.instances i
WHERE i.seen_at > now() - interval '10 minutes'
ORDER BY i.started_at, i.instance_id
