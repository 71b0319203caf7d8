-- The rows install seeds in lookupkeeper's schema (the state row and the main stream's row): 2 when
-- both are there.
SELECT (SELECT count(*) FROM {{schema}}.state) + (SELECT count(*) FROM {{schema}}.streams WHERE stream = 'main')
