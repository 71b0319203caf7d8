package dev.lookupkeeper.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import dev.lookupkeeper.config.ConfigException;
import org.slf4j.LoggerFactory;

/** `--log-format json`: the console appender writes one JSON object per line (logback's JsonEncoder). */
final class LogFormat {
    private LogFormat() {}

    static void apply(String format) {
        if ("text".equals(format)) {
            return;
        }
        if (!"json".equals(format)) {
            throw new ConfigException("--log-format must be text or json, not '" + format + "'");
        }
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Appender<ILoggingEvent> a = root.getAppender("STDERR");
        if (a instanceof ConsoleAppender<ILoggingEvent> console) {
            JsonEncoder encoder = new JsonEncoder();
            encoder.setContext(ctx);
            encoder.setWithFormattedMessage(true);
            encoder.setWithMessage(false);
            encoder.setWithArguments(false);
            encoder.setWithContext(false);
            encoder.start();
            console.stop();
            console.setEncoder(encoder);
            console.start();
        }
    }
}
