package dev.lookupkeeper.pipeline.source;

import java.time.Instant;
import java.time.LocalDate;

/**
 * ISO-8601 UTC timestamps (Debezium's ZonedTimestamp for timestamptz, "2026-11-27T04:26:14.123456Z")
 * to exact epoch microseconds. The common shape is parsed by hand — on the hot path of every event,
 * the java.time parser costs more than the rest of the decoding — anything else goes to
 * Instant.parse.
 */
public final class Timestamps {
    private Timestamps() {}

    public static long micros(String s) {
        int n = s.length();
        if (n >= 20 && s.charAt(n - 1) == 'Z' && s.charAt(4) == '-' && s.charAt(7) == '-' && s.charAt(10) == 'T'
                && s.charAt(13) == ':' && s.charAt(16) == ':') {
            int year = digits(s, 0, 4);
            int month = digits(s, 5, 7);
            int day = digits(s, 8, 10);
            int hour = digits(s, 11, 13);
            int minute = digits(s, 14, 16);
            int second = digits(s, 17, 19);
            long fraction = 0;
            if (n > 20) {
                if (s.charAt(19) != '.' || n - 21 > 9) {
                    return slow(s);
                }
                int len = n - 21;
                fraction = digits(s, 20, n - 1);
                for (int i = len; i < 6; i++) {
                    fraction *= 10;
                }
                for (int i = 6; i < len; i++) {
                    fraction /= 10;
                }
            } else if (n != 20) {
                return slow(s);
            }
            if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59 || fraction < 0) {
                return slow(s);
            }
            long epochDay = LocalDate.of(year, month, day).toEpochDay();
            long seconds = epochDay * 86_400L + hour * 3_600L + minute * 60L + second;
            return Math.addExact(Math.multiplyExact(seconds, 1_000_000L), fraction);
        }
        return slow(s);
    }

    private static long slow(String s) {
        Instant i = Instant.parse(s);
        return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1_000);
    }

    /** Digits from..to as a number, or -1 if any is not a digit. */
    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
