-- synchronous_commit as the server's configuration files set it (postgresql.conf and ALTER SYSTEM's
-- postgresql.auto.conf): what a session gets when neither its database nor its role sets it. No
-- file setting: the built-in default, on. Run only where this role may read the files' settings
-- (pg_file_settings; superusers by default), which the caller checks first.
SELECT COALESCE((SELECT setting FROM pg_file_settings
                 WHERE name = 'synchronous_commit' AND applied AND error IS NULL
                 ORDER BY seqno DESC LIMIT 1), 'on') AS value
