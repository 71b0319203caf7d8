package dev.lookupkeeper.config;

/** Bad configuration: the message tells the operator what to change. Exit code 2. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
