-- The commit levels install set, the database's ('' for role) first.
SELECT role_name, level FROM {{schema}}.commit_levels ORDER BY role_name
