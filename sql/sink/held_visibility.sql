-- What a snapshot taken now shows of held transactions. The stream can deliver a commit before
-- other sessions see it (the walsender sends a commit once it is flushed; the committing session
-- may still wait, e.g. for a synchronous standby), so a partition created in the same transaction
-- as its first messages can be missing from the sink's snapshot. Returns the snapshot's xmin and
-- xmax (64-bit) and which of the given transactions it does not show yet. A held batch is proven
-- visible once none of its transactions is in that list, or — for sources that give no ids — once
-- the snapshot's xmin has passed the xmax recorded when the batch was held (every transaction
-- running then, waiting ones included, has ended).
-- Parameter: the transactions' 32-bit ids (pgoutput's BEGIN), as bigint[]; widened to 64-bit ids
-- with the epoch of the snapshot's xmax (an id above xmax's low half belongs to the epoch before).
WITH s AS (SELECT snap, txid_snapshot_xmax(snap) AS xmax FROM (SELECT txid_current_snapshot() AS snap) t)
SELECT txid_snapshot_xmin(s.snap) AS xmin, s.xmax,
       ARRAY(SELECT x.xid32 FROM unnest(?::bigint[]) AS x(xid32)
             WHERE NOT txid_visible_in_snapshot(
                 ((s.xmax >> 32) << 32) + x.xid32 - CASE WHEN x.xid32 > (s.xmax & 4294967295) THEN 4294967296 ELSE 0 END,
                 s.snap)) AS invisible
FROM s
