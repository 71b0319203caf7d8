-- synchronous_commit as the queue's sessions get it in this database: the database's own setting
-- (ALTER DATABASE ... SET) and every role's (ALTER ROLE ... [IN DATABASE ...] SET), most specific
-- first. No row: the server's setting (postgresql.conf) applies to every session.
SELECT CASE WHEN s.setrole = 0 THEN 'database'
            WHEN s.setdatabase = 0 THEN 'role ' || r.rolname
            ELSE 'role ' || r.rolname || ' in database' END AS scope,
       substr(setting, length('synchronous_commit=') + 1) AS value
FROM pg_db_role_setting s
CROSS JOIN LATERAL unnest(s.setconfig) AS setting
LEFT JOIN pg_roles r ON r.oid = s.setrole
WHERE setting LIKE 'synchronous_commit=%'
  AND (s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
       OR (s.setdatabase = 0 AND s.setrole <> 0))
ORDER BY (s.setrole <> 0 AND s.setdatabase <> 0) DESC, (s.setrole <> 0) DESC, r.rolname
