-- A least-privilege role for the sidecar, `lookupkeeper`. Run it once as a superuser (or a role with
-- CREATEROLE that may grant on the queue's tables) after `lookupkeeper install` has created
-- lookupkeeper's schema; it stops at the first error (exit 3) and may be run again.
--
--   LOOKUPKEEPER_ROLE_PASSWORD='…' psql -f sql/roles/lookupkeeper_role.sql      (psql 15 and later)
--   psql -v lk_password='…' -f sql/roles/lookupkeeper_role.sql                   (any psql; the
--                                                  password then shows in `ps` while psql runs)
--
-- Without a password the role is created or kept as it is; set one with `\password lookupkeeper`.
-- Mind: ALTER ROLE … PASSWORD sends the password to the server as text, where log_statement = ddl or
-- all logs it, and pg_stat_statements keeps it; `\password` in psql sends a hashed verifier instead.
-- With this role: run, verify, status, select, resync, rebuild and replay work. switch, uninstall
-- and an install that has something to create need the tables' owner (they say so and exit 3
-- before changing anything); push writes the queue's messages: the queue's role's right, not this one's.
\set ON_ERROR_STOP on

DO $$
BEGIN
    IF to_regnamespace('lookupkeeper') IS NULL THEN
        RAISE EXCEPTION 'schema lookupkeeper is missing: run "lookupkeeper install" as the tables'' owner first, then this script';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lookupkeeper') THEN
        CREATE ROLE lookupkeeper LOGIN REPLICATION;
    END IF;
END $$;
ALTER ROLE lookupkeeper LOGIN REPLICATION;

\if :{?lk_password}
\else
\getenv lk_password LOOKUPKEEPER_ROLE_PASSWORD
\endif
\if :{?lk_password}
ALTER ROLE lookupkeeper PASSWORD :'lk_password';
\echo 'lookupkeeper_role.sql: password of role lookupkeeper set'
\else
\echo 'lookupkeeper_role.sql: no password given; set one with \\password lookupkeeper before the sidecar logs in with a password'
\endif

GRANT USAGE ON SCHEMA queen TO lookupkeeper;
GRANT SELECT ON queen.messages, queen.partitions, queen.queues, queen.partition_consumers TO lookupkeeper;
-- DELETE: the stream removes the row of a partition whose last message was deleted (retention)
GRANT SELECT, INSERT, UPDATE, DELETE ON queen.partition_lookup TO lookupkeeper;

GRANT USAGE ON SCHEMA lookupkeeper TO lookupkeeper;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA lookupkeeper TO lookupkeeper;
-- the position-note sequences: read at start, set by strict consistency
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA lookupkeeper TO lookupkeeper;

-- Strict consistency only (`run --consistency strict`, PostgreSQL 15+): the sidecar names its
-- walsender in synchronous_standby_names once it streams, and its guard relaxes the setting when no
-- stream confirms commits. Uncomment to allow it without superuser:
-- GRANT ALTER SYSTEM ON PARAMETER synchronous_standby_names TO lookupkeeper;
-- GRANT EXECUTE ON FUNCTION pg_reload_conf() TO lookupkeeper;
