-- a header comment,
-- two lines long
SELECT 1
FROM {{queue_schema}}.m
WHERE m.id = t.id
