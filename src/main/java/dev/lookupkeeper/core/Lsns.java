package dev.lookupkeeper.core;

import dev.lookupkeeper.config.ConfigException;
import java.util.regex.Pattern;

/** PostgreSQL log sequence numbers in their text form, "16/B374D848". */
public final class Lsns {
    private static final Pattern FORM = Pattern.compile("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}");

    private Lsns() {}

    public static long parse(String lsn) {
        int slash = lsn.indexOf('/');
        return Long.parseLong(lsn.substring(0, slash), 16) << 32 | Long.parseLong(lsn.substring(slash + 1), 16);
    }

    /** The text form of a 64-bit LSN. */
    public static String format(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase(java.util.Locale.ROOT) + "/"
                + Long.toHexString(lsn & 0xffffffffL).toUpperCase(java.util.Locale.ROOT);
    }

    public static int compare(String a, String b) {
        return Long.compareUnsigned(parse(a), parse(b));
    }

    /** For options: the LSN, or a ConfigException saying what a valid one looks like. */
    public static String validate(String option, String text) {
        if (text == null || !FORM.matcher(text).matches()) {
            throw new ConfigException(option + " '" + text + "' is not an LSN: use PostgreSQL's form, e.g. 0/16B3748"
                    + " (see `lookupkeeper status` for the earliest position a replay can start from)");
        }
        return text.toUpperCase(java.util.Locale.ROOT);
    }
}
