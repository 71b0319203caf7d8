-- A least-privilege role for the sidecar. Run once as a superuser (or the tables' owner) after
-- `lookupkeeper install` has created lookupkeeper's schema, then run the sidecar as this role.
-- Replace the password placeholder, or set it with \password lookupkeeper in psql.
--   psql -v ON_ERROR_STOP=1 -f sql/roles/lookupkeeper_role.sql
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lookupkeeper') THEN
        CREATE ROLE lookupkeeper LOGIN REPLICATION;
    END IF;
END $$;
ALTER ROLE lookupkeeper REPLICATION;

GRANT USAGE ON SCHEMA queen TO lookupkeeper;
GRANT SELECT ON queen.messages, queen.partitions, queen.queues, queen.partition_consumers TO lookupkeeper;
-- DELETE: the stream removes the row of a partition whose last message was deleted (retention)
GRANT SELECT, INSERT, UPDATE, DELETE ON queen.partition_lookup TO lookupkeeper;

GRANT USAGE ON SCHEMA lookupkeeper TO lookupkeeper;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA lookupkeeper TO lookupkeeper;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA lookupkeeper TO lookupkeeper;
-- the position-note sequences: read at start, set by strict consistency
GRANT SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA lookupkeeper TO lookupkeeper;

-- Strict consistency only (`run --consistency strict`, PostgreSQL 15+): the sidecar names its
-- walsender in synchronous_standby_names once it streams, and its guard relaxes the setting when no
-- stream confirms commits. Uncomment to allow it without superuser:
-- GRANT ALTER SYSTEM ON PARAMETER synchronous_standby_names TO lookupkeeper;
-- GRANT EXECUTE ON FUNCTION pg_reload_conf() TO lookupkeeper;
