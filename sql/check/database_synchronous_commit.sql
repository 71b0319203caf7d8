-- synchronous_commit as ALTER DATABASE set it for the current database (all roles), e.g.
-- 'synchronous_commit=remote_write'; no row when it is not set there.
SELECT setting
FROM pg_db_role_setting s, unnest(s.setconfig) setting
WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND s.setrole = 0 AND setting LIKE 'synchronous_commit=%'
LIMIT 1
