package dev.lookupkeeper.core;

import dev.lookupkeeper.config.ConfigException;
import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;

/**
 * Which stream a pipeline runs: its name (the row in lookupkeeper.streams and the key of its
 * offsets), its slot, and the table it maintains. 'main' maintains queen.partition_lookup;
 * 'shadow' maintains lookupkeeper.shadow_lookup for parity checks while the trigger runs.
 *
 * @param lookupTable quoted, schema-qualified table name
 */
public record StreamTarget(String name, String slot, String lookupTable) {
    public static final String MAIN = "main";
    public static final String SHADOW = "shadow";

    public static StreamTarget main(Settings s) {
        return new StreamTarget(MAIN, s.slot(), Identifiers.quote(s.queueSchema()) + ".partition_lookup");
    }

    public static StreamTarget shadow(Settings s) {
        String slot = s.slot() + "_shadow";
        if (slot.length() > 63) {
            throw new ConfigException("--slot '" + s.slot() + "' is too long for the shadow slot (" + slot + "): use at most 56 characters");
        }
        return new StreamTarget(SHADOW, slot, Identifiers.quote(s.schema()) + ".shadow_lookup");
    }

    public boolean isMain() {
        return MAIN.equals(name);
    }
}
