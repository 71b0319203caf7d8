package dev.lookupkeeper.cli;

import dev.lookupkeeper.config.ConfigException;
import dev.lookupkeeper.config.Durations;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters: every duration flag takes 500ms, 20s, 15m, 2h, 1d, PT15M, or a bare number in its unit. */
final class DurationConverters {
    private DurationConverters() {}

    /** A bare number means seconds. */
    static final class Seconds implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return convert(value, ChronoUnit.SECONDS);
        }

        static Duration convert(String value, ChronoUnit bare) {
            try {
                return Durations.parse("value", value, bare);
            } catch (ConfigException e) {
                throw new TypeConversionException(e.getMessage().replaceFirst("^value ", ""));
            }
        }
    }

    /** A bare number means milliseconds (options named -ms). */
    static final class Millis implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return Seconds.convert(value, ChronoUnit.MILLIS);
        }
    }
}
