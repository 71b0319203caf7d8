-- One replication slot as every part of lookupkeeper reads it; no row when it does not exist.
-- wal_status ('lost': the slot gave up WAL it needed) exists from PostgreSQL 13, read through
-- to_jsonb so older servers answer NULL; so is failover (PostgreSQL 17+: a standby that synchronizes
-- slots keeps this one across a promotion). The byte counts are measured from the current WAL
-- position, which a server in recovery does not have (NULL there). Parameter: the slot name.
WITH w AS (SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn() END AS now_lsn)
SELECT s.active, s.active_pid, s.plugin, s.database, s.slot_type,
       s.confirmed_flush_lsn::text, s.restart_lsn::text,
       pg_wal_lsn_diff(w.now_lsn, s.confirmed_flush_lsn)::bigint AS lag_bytes,
       pg_wal_lsn_diff(w.now_lsn, s.restart_lsn)::bigint AS retained_bytes,
       to_jsonb(s) ->> 'wal_status' AS wal_status,
       (to_jsonb(s) ->> 'failover')::boolean AS failover
FROM pg_replication_slots s, w
WHERE s.slot_name = ?
