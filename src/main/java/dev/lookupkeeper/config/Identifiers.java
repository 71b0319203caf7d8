package dev.lookupkeeper.config;

import java.util.regex.Pattern;

/**
 * Names of schemas, publications and slots come from configuration and end up in DDL, so they are
 * validated against a conservative pattern and always double-quoted. Replication slot names only
 * allow lower-case letters, digits and underscores, so the same rule is used everywhere.
 */
public final class Identifiers {
    private static final Pattern VALID = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private Identifiers() {}

    /** Returns the name unchanged if it is valid; otherwise throws with the option to fix. */
    public static String validate(String option, String name) {
        if (name == null || name.isEmpty()) {
            throw new ConfigException(option + " must not be empty");
        }
        if (!VALID.matcher(name).matches()) {
            throw new ConfigException(option + " '" + printable(name) + "' is not a valid name: use 1-63 characters"
                    + " of lower-case letters, digits and '_', not starting with a digit");
        }
        return name;
    }

    /** Quotes an already validated identifier for use in SQL text. */
    public static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    private static String printable(String s) {
        String cut = s.length() > 70 ? s.substring(0, 70) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
