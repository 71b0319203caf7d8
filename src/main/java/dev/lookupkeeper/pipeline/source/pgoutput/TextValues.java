package dev.lookupkeeper.pipeline.source.pgoutput;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.util.UUID;

/**
 * PostgreSQL's text output of the few types lookupkeeper reads, parsed straight from the message
 * bytes: uuid ("8-4-4-4-12" hex), bigint/integer, and timestamptz in DateStyle ISO
 * ("2026-11-27 14:20:19.123456+00", any offset). The common shapes take a hand-written path; an
 * unusual one (a BC date, a year past 9999) goes through java.time.
 */
final class TextValues {
    private static final DateTimeFormatter ISO_PG = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .appendOffset("+HH:mm:ss", "+00")
            .toFormatter()
            .withResolverStyle(ResolverStyle.STRICT);

    private TextValues() {}

    /** Hex digit values, -1 for any other byte. */
    private static final byte[] HEX = new byte[256];

    static {
        java.util.Arrays.fill(HEX, (byte) -1);
        for (int i = 0; i < 10; i++) {
            HEX['0' + i] = (byte) i;
        }
        for (int i = 0; i < 6; i++) {
            HEX['a' + i] = (byte) (10 + i);
            HEX['A' + i] = (byte) (10 + i);
        }
    }

    static UUID uuid(ByteBuffer b, int off, int len) {
        long[] halves = new long[2];
        uuid(b, off, len, halves);
        return new UUID(halves[0], halves[1]);
    }

    /** Parses a uuid into its two halves (most significant first) without allocating. */
    static void uuid(ByteBuffer b, int off, int len, long[] out) {
        if (len != 36) {
            throw new PgOutputException("not a uuid: " + ascii(b, off, len));
        }
        byte[] a;
        int p;
        if (b.hasArray()) {
            a = b.array();
            p = b.arrayOffset() + off;
        } else {
            a = new byte[36];
            b.get(off, a);
            p = 0;
        }
        if (a[p + 8] != '-' || a[p + 13] != '-' || a[p + 18] != '-' || a[p + 23] != '-') {
            throw new PgOutputException("not a uuid: " + ascii(b, off, len));
        }
        long hi = 0;
        long lo = 0;
        int bad = 0;
        for (int i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                continue;
            }
            int d = HEX[a[p + i] & 0xff];
            bad |= d;
            if (i < 18) {
                hi = hi << 4 | (d & 0xf);
            } else {
                lo = lo << 4 | (d & 0xf);
            }
        }
        if (bad < 0) {
            throw new PgOutputException("not a uuid: " + ascii(b, off, len));
        }
        out[0] = hi;
        out[1] = lo;
    }

    static long int64(ByteBuffer b, int off, int len) {
        if (len == 0) {
            throw new PgOutputException("empty integer");
        }
        boolean negative = b.get(off) == '-';
        long v = 0;
        for (int i = negative ? 1 : 0; i < len; i++) {
            int c = b.get(off + i);
            if (c < '0' || c > '9') {
                throw new PgOutputException("not an integer: " + ascii(b, off, len));
            }
            v = v * 10 + (c - '0');
        }
        return negative ? -v : v;
    }

    static long timestampMicros(ByteBuffer b, int off, int len) {
        // yyyy-mm-dd hh:mm:ss[.ffffff](+|-)hh[:mm[:ss]]
        if (len >= 22 && b.get(off + 4) == '-' && b.get(off + 7) == '-' && b.get(off + 10) == ' '
                && b.get(off + 13) == ':' && b.get(off + 16) == ':') {
            int year = digits(b, off, 4);
            int month = digits(b, off + 5, 2);
            int day = digits(b, off + 8, 2);
            int hour = digits(b, off + 11, 2);
            int minute = digits(b, off + 14, 2);
            int second = digits(b, off + 17, 2);
            int p = off + 19;
            int end = off + len;
            long fraction = 0;
            if (p < end && b.get(p) == '.') {
                p++;
                int digitsRead = 0;
                while (p < end && b.get(p) >= '0' && b.get(p) <= '9') {
                    if (digitsRead < 6) {
                        fraction = fraction * 10 + (b.get(p) - '0');
                    }
                    digitsRead++;
                    p++;
                }
                for (int i = digitsRead; i < 6; i++) {
                    fraction *= 10;
                }
            }
            if (p < end && (b.get(p) == '+' || b.get(p) == '-') && year >= 0 && month >= 1 && day >= 1 && hour >= 0 && minute >= 0
                    && second >= 0) {
                int sign = b.get(p) == '-' ? -1 : 1;
                int rest = end - p - 1;
                int offsetSeconds;
                if (rest == 2) {
                    offsetSeconds = digits(b, p + 1, 2) * 3600;
                } else if (rest == 5 && b.get(p + 3) == ':') {
                    offsetSeconds = digits(b, p + 1, 2) * 3600 + digits(b, p + 4, 2) * 60;
                } else if (rest == 8 && b.get(p + 3) == ':' && b.get(p + 6) == ':') {
                    offsetSeconds = digits(b, p + 1, 2) * 3600 + digits(b, p + 4, 2) * 60 + digits(b, p + 7, 2);
                } else {
                    offsetSeconds = -1;
                }
                if (offsetSeconds >= 0 && month <= 12 && day <= 28 + (month == 2 ? (leap(year) ? 1 : 0) : 3)
                        && (day <= 30 || THIRTY_ONE[month]) && hour < 24 && minute < 60 && second < 60) {
                    long epochDay = epochDay(year, month, day);
                    long seconds = epochDay * 86_400L + hour * 3_600L + minute * 60L + second - sign * (long) offsetSeconds;
                    return seconds * 1_000_000L + fraction;
                }
            }
        }
        OffsetDateTime t = OffsetDateTime.parse(ascii(b, off, len), ISO_PG);
        return Math.addExact(Math.multiplyExact(t.toEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    private static final boolean[] THIRTY_ONE = {false, true, false, true, false, true, false, true, true, false, true, false, true};

    private static boolean leap(int year) {
        return (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (March-based years, so February comes last). */
    static long epochDay(int year, int month, int day) {
        long y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yearOfEra = y - era * 400;
        long dayOfYear = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        long dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097 + dayOfEra - 719_468;
    }

    /** n digits as a number, or -1 when one is not a digit. */
    private static int digits(ByteBuffer b, int off, int n) {
        int v = 0;
        for (int i = 0; i < n; i++) {
            int c = b.get(off + i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static String ascii(ByteBuffer b, int off, int len) {
        byte[] bytes = new byte[Math.min(len, 64)];
        b.get(off, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
