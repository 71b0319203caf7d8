package dev.lookupkeeper.config;

import java.util.Objects;

/**
 * Where PostgreSQL is and who to be. The password is kept out of toString() so that it can never
 * reach a log line or an exception message by accident.
 */
public record ConnectionSettings(String host, int port, String database, String user, String password, String sslMode,
                                 java.util.List<String> otherHosts, String targetServerType) {

    /** One server. */
    public ConnectionSettings(String host, int port, String database, String user, String password, String sslMode) {
        this(host, port, database, user, password, sslMode, java.util.List.of(), null);
    }

    /**
     * @param otherHosts       further servers as host:port, tried in order after the first (a primary
     *                         and its standbys: the one that is primary now is found on every connect)
     * @param targetServerType pgjdbc's targetServerType (any, primary, secondary, preferSecondary);
     *                         null: primary when several servers are named, else pgjdbc's default
     */
    public ConnectionSettings {
        Objects.requireNonNull(host, "host");
        otherHosts = otherHosts == null ? java.util.List.of() : java.util.List.copyOf(otherHosts);
        if (targetServerType == null && !otherHosts.isEmpty()) {
            targetServerType = "primary";
        }
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(sslMode, "sslMode");
        if (port < 1 || port > 65535) {
            throw new ConfigException("PostgreSQL port " + port + " is out of range 1-65535 (PGPORT or --db-url)");
        }
        if (host.startsWith("/") && !otherHosts.isEmpty()) {
            throw new ConfigException("PGHOST '" + host + "' is a Unix socket directory: name it alone, not with other hosts");
        }
    }

    /**
     * Whether the server is reached through a Unix-domain socket: the host is a directory, as in
     * libpq, and the socket is {@link #socketPath()} in it. A sidecar on the database's host should
     * use one: the walsender spends about 40 % less per message at steady load than over TCP
     * loopback, half in a backlog drain (docs/benchmarks.md).
     */
    public boolean unixSocket() {
        return host.startsWith("/");
    }

    /** The socket file libpq would use: {@code <directory>/.s.PGSQL.<port>}. */
    public String socketPath() {
        return (host.endsWith("/") ? host : host + "/") + ".s.PGSQL." + port;
    }

    /**
     * JDBC URL without credentials; user and password travel as properties (and, for a Unix socket,
     * the socket factory and the socket's path: see {@code Database.driverProperties}). A Unix socket
     * carries no TLS (libpq ignores sslmode there too).
     */
    public String jdbcUrl() {
        if (unixSocket()) {
            return "jdbc:postgresql://localhost:" + port + "/" + database + "?sslmode=disable";
        }
        return "jdbc:postgresql://" + hostList() + "/" + database + "?sslmode=" + sslMode
                + (targetServerType == null ? "" : "&targetServerType=" + targetServerType);
    }

    /** host:port/database (or the socket's path), for messages. */
    public String describe() {
        return (unixSocket() ? socketPath() : hostList()) + "/" + database + " as " + user;
    }

    /** host:port of every server, the first one first. */
    private String hostList() {
        StringBuilder b = new StringBuilder(hostForUrl() + ":" + port);
        otherHosts.forEach(h -> b.append(',').append(h));
        return b.toString();
    }

    private String hostForUrl() {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** The libpq environment for a child process (the password is left for the caller to pass, if at all). */
    public java.util.Map<String, String> libpqEnvironment() {
        StringBuilder hosts = new StringBuilder(host);
        StringBuilder ports = new StringBuilder(Integer.toString(port));
        for (String h : otherHosts) {
            int colon = h.lastIndexOf(':');
            hosts.append(',').append(h, 0, colon);
            ports.append(',').append(h.substring(colon + 1));
        }
        return java.util.Map.of("PGHOST", hosts.toString(), "PGPORT", ports.toString(), "PGDATABASE", database, "PGUSER", user,
                "PGSSLMODE", sslMode);
    }

    public ConnectionSettings withDatabase(String db) {
        return new ConnectionSettings(host, port, db, user, password, sslMode, otherHosts, targetServerType);
    }

    @Override
    public String toString() {
        return "ConnectionSettings[" + describe() + ", sslmode=" + sslMode + ", password=" + (password == null ? "none" : "****") + "]";
    }
}
