package dev.lookupkeeper.config;

import java.util.Objects;

/**
 * Where PostgreSQL is and who to be. The password is kept out of toString() so that it can never
 * reach a log line or an exception message by accident.
 */
public record ConnectionSettings(String host, int port, String database, String user, String password, String sslMode) {

    public ConnectionSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(sslMode, "sslMode");
        if (port < 1 || port > 65535) {
            throw new ConfigException("PostgreSQL port " + port + " is out of range 1-65535 (PGPORT or --db-url)");
        }
    }

    /** JDBC URL without credentials; user and password travel as properties. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + hostForUrl() + ":" + port + "/" + database + "?sslmode=" + sslMode;
    }

    /** host:port/database, for messages. */
    public String describe() {
        return hostForUrl() + ":" + port + "/" + database + " as " + user;
    }

    private String hostForUrl() {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** The libpq environment for a child process (the password is left for the caller to pass, if at all). */
    public java.util.Map<String, String> libpqEnvironment() {
        return java.util.Map.of("PGHOST", host, "PGPORT", Integer.toString(port), "PGDATABASE", database, "PGUSER", user, "PGSSLMODE", sslMode);
    }

    public ConnectionSettings withDatabase(String db) {
        return new ConnectionSettings(host, port, db, user, password, sslMode);
    }

    @Override
    public String toString() {
        return "ConnectionSettings[" + describe() + ", sslmode=" + sslMode + ", password=" + (password == null ? "none" : "****") + "]";
    }
}
