package dev.lookupkeeper.pg;

/**
 * The database cannot serve lookupkeeper as it is (unreachable, wal_level, privileges, missing
 * tables, a conflicting publication). The message says what to change. Exit code 3.
 */
public final class DatabaseNotReadyException extends RuntimeException {
    public DatabaseNotReadyException(String message) {
        super(message);
    }
}
