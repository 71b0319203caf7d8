package dev.lookupkeeper.config;

import java.util.Locale;

/** What a client that pushes and then pops observes. */
public enum Consistency {
    /**
     * The lookup follows commits within the stream's lag (a few milliseconds): a pop right after a
     * push can miss the message for that long. No server setting is changed.
     */
    EVENTUAL,
    /**
     * Read-your-writes, as with a trigger: the sidecar's walsender is a synchronous standby, so a
     * commit returns (and becomes visible) only once the sidecar has committed its lookup row.
     */
    STRICT;

    public static Consistency parse(String flag, String value) {
        if (value != null) {
            for (Consistency c : values()) {
                if (c.name().equalsIgnoreCase(value.trim())) {
                    return c;
                }
            }
        }
        throw new ConfigException(flag + " must be eventual or strict, not '" + value + "'");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
