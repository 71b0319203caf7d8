-- Whether this role may read the commit levels install recorded: no row when lookupkeeper's schema
-- predates the table (or is gone). Checked by name, so a role without USAGE on the schema gets false,
-- not an error.
SELECT has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ? AND c.relname = 'commit_levels'
