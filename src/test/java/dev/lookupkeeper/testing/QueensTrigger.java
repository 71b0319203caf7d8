package dev.lookupkeeper.testing;

import java.sql.SQLException;

/** A trigger shaped like Queen 0.6.9's own: statement-level, AFTER INSERT, upserting the newest message per partition. */
public final class QueensTrigger {
    private QueensTrigger() {}

    /** Creates (or replaces) the function and (re-)creates the trigger, as Queen's server does at every start. */
    public static void create(PgDatabase db) throws SQLException {
        db.execute("""
                CREATE OR REPLACE FUNCTION queen.update_partition_lookup_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO queen.partition_lookup (queue_name, partition_id, last_message_id, last_message_created_at, updated_at)
                    SELECT q.name, n.partition_id, n.id, n.created_at, now()
                    FROM (SELECT DISTINCT ON (partition_id) partition_id, id, created_at FROM new_messages
                          ORDER BY partition_id, created_at DESC, id DESC) n
                    JOIN queen.partitions p ON p.id = n.partition_id JOIN queen.queues q ON q.id = p.queue_id
                    ON CONFLICT (queue_name, partition_id) DO UPDATE
                        SET last_message_id = EXCLUDED.last_message_id, last_message_created_at = EXCLUDED.last_message_created_at
                        WHERE (queen.partition_lookup.last_message_created_at, queen.partition_lookup.last_message_id)
                            < (EXCLUDED.last_message_created_at, EXCLUDED.last_message_id);
                    RETURN NULL;
                END $$""");
        db.execute("DROP TRIGGER IF EXISTS trg_update_partition_lookup ON queen.messages");
        db.execute("CREATE TRIGGER trg_update_partition_lookup AFTER INSERT ON queen.messages REFERENCING NEW TABLE AS new_messages"
                + " FOR EACH STATEMENT EXECUTE FUNCTION queen.update_partition_lookup_trigger()");
    }

    public static long count(PgDatabase db) throws SQLException {
        return db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgname = 'trg_update_partition_lookup'");
    }
}
