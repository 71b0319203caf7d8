-- How many of a batch's transactions a snapshot taken now does not show yet. The stream can deliver
-- a commit a moment before other sessions see it (the walsender sends the commit record once it is
-- flushed; the committing session becomes visible a little later), so a partition created in the
-- same transaction as its first messages can be missing from the sink's snapshot. Zero: whatever
-- the sink still cannot see was deleted.
-- Parameter: the transactions' 32-bit ids (pgoutput's BEGIN), as bigint[]; widened to 64-bit ids
-- with the epoch of the snapshot's xmax (an id above xmax's low half belongs to the epoch before).
WITH s AS (SELECT snap, txid_snapshot_xmax(snap) AS xmax FROM (SELECT txid_current_snapshot() AS snap) t)
SELECT count(*)
FROM s, unnest(?::bigint[]) AS x(xid32)
WHERE NOT txid_visible_in_snapshot(
    ((s.xmax >> 32) << 32) + x.xid32 - CASE WHEN x.xid32 > (s.xmax & 4294967295) THEN 4294967296 ELSE 0 END,
    s.snap)
