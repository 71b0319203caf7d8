-- Watermark rows every stream has applied are no longer needed.
DELETE FROM {{schema}}.watermark
WHERE id < (SELECT coalesce(min(applied_watermark), 0) FROM {{schema}}.streams WHERE bootstrap_status = 'done')
