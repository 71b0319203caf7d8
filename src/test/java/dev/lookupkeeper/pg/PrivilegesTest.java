package dev.lookupkeeper.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrivilegesTest {
    @Test
    void tablesOfOneSchemaLackingTheSamePrivilegesShareAnEntryAndSchemasStandAlone() {
        Map<String, List<String>> missing = new LinkedHashMap<>();
        missing.put("schema queen", List.of("USAGE"));
        missing.put("queen.messages", List.of("SELECT"));
        missing.put("queen.partitions", List.of("SELECT"));
        missing.put("queen.partition_lookup", List.of("SELECT", "INSERT"));
        missing.put("schema lookupkeeper", List.of("USAGE"));
        missing.put("lookupkeeper.state", List.of("SELECT"));
        missing.put("lookupkeeper.streams", List.of("SELECT", "INSERT"));
        missing.put("lookupkeeper.watermark", List.of("SELECT"));
        assertEquals(List.of("USAGE on schema queen", "SELECT on queen.messages, queen.partitions", "SELECT, INSERT on queen.partition_lookup",
                "USAGE on schema lookupkeeper", "SELECT on lookupkeeper.state, lookupkeeper.watermark", "SELECT, INSERT on lookupkeeper.streams"),
                Privileges.grouped(missing));
    }

    @Test
    void nothingMissingIsNoEntry() {
        assertEquals(List.of(), Privileges.grouped(Map.of()));
    }
}
