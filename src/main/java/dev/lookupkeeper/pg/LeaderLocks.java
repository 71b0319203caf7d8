package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.Settings;

/** The leader advisory lock's name: one per lookupkeeper installation (schema) and slot. */
public final class LeaderLocks {
    private LeaderLocks() {}

    public static String name(Settings settings) {
        return "lookupkeeper leader " + settings.schema() + " " + settings.slot();
    }
}
