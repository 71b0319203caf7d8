package dev.lookupkeeper.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as operators write them: 500ms, 30s, 15m, 2h, 1d, ISO-8601 (PT15M), or a bare number in
 * the option's own unit — seconds, except for options named in milliseconds (--heartbeat-ms).
 */
public final class Durations {
    private static final Pattern SIMPLE = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)?");

    private Durations() {}

    /** A bare number means seconds. */
    public static Duration parse(String option, String text) {
        return parse(option, text, ChronoUnit.SECONDS);
    }

    public static Duration parse(String option, String text, ChronoUnit bareUnit) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2);
            try {
                if (unit == null) {
                    return Duration.of(n, bareUnit);
                }
                return switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            } catch (ArithmeticException e) {
                throw new ConfigException(option + " '" + text + "' is too long a duration");
            }
        }
        try {
            return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException | NullPointerException e) {
            throw new ConfigException(option + " '" + text + "' is not a duration: use e.g. 500ms, 20s, 15m, 2h, 1d, PT15M, or a number of "
                    + (bareUnit == ChronoUnit.MILLIS ? "milliseconds" : bareUnit.toString().toLowerCase(Locale.ROOT)));
        }
    }

    /** Like {@link #parse(String, String)}, refusing anything below {@code min}. */
    public static Duration atLeast(String option, String text, Duration min) {
        Duration d = parse(option, text);
        if (d.compareTo(min) < 0) {
            throw new ConfigException(option + " '" + text + "' is too short: at least " + describe(min));
        }
        return d;
    }

    /** 1500 ms → "1500ms", 20 s → "20s", 15 min → "15m". */
    public static String describe(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
