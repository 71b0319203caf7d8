package dev.lookupkeeper.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class SqlTemplatesTest {
    private static final SqlTemplates TEMPLATES = new SqlTemplates(Map.of(
            "schema", "\"lk\"", "queue_schema", "\"queen\"", "publication", "\"pub\"",
            "selection_publication", "\"sel\"", "lookup_table", "\"queen\".partition_lookup", "row_lock_wait", "", "commit_columns", ""));

    @Test
    void anIncludeIsReplacedByTheFragmentIndentedLikeTheIncludeWithoutItsHeader() {
        assertEquals("""
                SELECT *
                FROM "lk".t
                WHERE EXISTS (
                    SELECT 1
                    FROM "queen".m
                    WHERE m.id = t.id
                )
                """, TEMPLATES.get("templates_test/outer.sql"));
    }

    @Test
    void aCycleOfIncludesFailsNamingTheChain() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TEMPLATES.get("templates_test/cycle_a.sql"));
        assertEquals("sql/templates_test/cycle_a.sql includes itself: templates_test/cycle_a.sql > templates_test/cycle_b.sql"
                + " > templates_test/cycle_a.sql", e.getMessage());
    }

    @Test
    void anIncludeThatIsNotALineOfItsOwnFailsInsteadOfLeavingBraces() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TEMPLATES.get("templates_test/inline.sql"));
        assertTrue(e.getMessage().startsWith("sql/templates_test/inline.sql has braces"), e.getMessage());
    }

    @Test
    void aMissingFragmentFailsNamingIt() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TEMPLATES.get("templates_test/missing_fragment.sql"));
        assertEquals("sql/templates_test/missing_fragment.sql is missing from the class path", e.getMessage());
    }

    /** Every shipped file expands: no include left, no unknown placeholder, no fragment header inside. */
    @Test
    void everyFileUnderSqlExpands() throws IOException {
        List<Path> files = sqlFiles();
        assertTrue(files.size() > 40, "found " + files.size() + " files under sql/");
        for (Path f : files) {
            String name = name(f);
            String sql = TEMPLATES.get(name);
            assertFalse(sql.contains("{{"), name);
            if (!name.startsWith("fragments/")) {
                assertFalse(sql.contains("-- The monotonic guard") || sql.contains("-- The newest message partition p"), name);
            }
        }
    }

    /**
     * The guard and the newest-message probe are written once: no file but the fragment spells
     * them out. The two stream upserts are being rewritten onto the guard fragment; until then they
     * still spell it out.
     */
    @Test
    void theGuardAndTheNewestMessageProbeAreWrittenOnlyInTheirFragments() throws IOException {
        for (Path f : sqlFiles()) {
            String name = name(f);
            String raw = Files.readString(f);
            if (!name.equals("fragments/monotonic_guard.sql")) {
                assertFalse(raw.contains("< (EXCLUDED.last_message_created_at, EXCLUDED.last_message_id)"), name);
            }
            if (!name.equals("fragments/newest_message.sql")) {
                assertFalse(raw.matches("(?s).*ORDER BY \\w+\\.created_at DESC, \\w+\\.id DESC\\s+LIMIT 1.*"), name);
            }
        }
        for (String name : List.of("bootstrap/backfill_chunk.sql", "check/upsert_newest.sql", "trigger/create_function.sql")) {
            assertTrue(TEMPLATES.get(name).contains("< (EXCLUDED.last_message_created_at, EXCLUDED.last_message_id)"), name);
        }
        for (String name : List.of("bootstrap/backfill_chunk.sql", "check/differences_chunk.sql", "check/lower_phantom.sql",
                "check/phantoms.sql", "check/truth_snapshot.sql", "check/upsert_newest.sql", "sink/heal_phantoms.sql")) {
            assertTrue(TEMPLATES.get(name).contains("WHERE mm.partition_id = p.id"), name);
        }
    }

    private static List<Path> sqlFiles() throws IOException {
        try (Stream<Path> walk = Files.walk(Path.of("sql"))) {
            return walk.filter(p -> p.toString().endsWith(".sql")).toList();
        }
    }

    private static String name(Path f) {
        return Path.of("sql").relativize(f).toString().replace('\\', '/');
    }

    @Test
    void anUpsertEndsWithTheGuardFragmentAsWritten() throws IOException {
        String fragment = Files.readString(Path.of("sql/fragments/monotonic_guard.sql"));
        String body = fragment.substring(fragment.indexOf("ON CONFLICT"));
        assertTrue(TEMPLATES.get("check/upsert_newest.sql").endsWith(body), "upsert_newest.sql ends with the guard");
    }
}
