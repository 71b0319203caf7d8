package dev.lookupkeeper.sidecar;

import dev.lookupkeeper.config.ConfigException;
import java.util.Locale;

/** Which reader streams the slot: lookupkeeper's own pgoutput reader, or Debezium's embedded engine. */
public enum StreamSource {
    PGOUTPUT, DEBEZIUM;

    /** `--source` values; `slot` (the older name of the default) means pgoutput. */
    public static StreamSource parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "pgoutput", "slot" -> PGOUTPUT;
            case "debezium" -> DEBEZIUM;
            default -> throw new ConfigException("--source must be pgoutput (default), debezium or kafka, not '" + text + "'");
        };
    }
}
