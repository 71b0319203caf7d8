-- The newest message partition p still has, as (id, created_at): the body of a LATERAL subquery
-- whose including statement names a relation p with the partition's id in p.id. One probe of the
-- (partition_id, created_at, id) index, never a scan of queen.messages; no row when the
-- partition has no message.
SELECT mm.id, mm.created_at
FROM {{queue_schema}}.messages mm
WHERE mm.partition_id = p.id
ORDER BY mm.created_at DESC, mm.id DESC
LIMIT 1
