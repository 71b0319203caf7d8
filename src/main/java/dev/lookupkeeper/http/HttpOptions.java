package dev.lookupkeeper.http;

import dev.lookupkeeper.config.ConfigException;

/**
 * Where the HTTP API listens and who may use /v1/*.
 *
 * @param port 0 = off
 * @param bind the address to listen on (default 127.0.0.1: the neighbour in the same host or pod;
 *             0.0.0.0 to be scraped or asked from elsewhere)
 * @param token required on /v1/* when not null; health and metrics stay open for probes and scrapers
 */
public record HttpOptions(int port, String bind, BearerToken token) {
    public static final String DEFAULT_BIND = "127.0.0.1";

    public HttpOptions {
        if (port < 0 || port > 65535) {
            throw new ConfigException("--http-port must be between 0 (off) and 65535");
        }
        if (bind == null || bind.isBlank()) {
            throw new ConfigException("--http-bind needs an address, e.g. 127.0.0.1 or 0.0.0.0");
        }
        if (port > 0) {
            address(bind); // checked at start, before anything is written
        }
    }

    /** The address to listen on; a name that does not resolve is a configuration error. */
    static java.net.InetAddress address(String bind) {
        try {
            return java.net.InetAddress.getByName(bind);
        } catch (java.net.UnknownHostException e) {
            throw new ConfigException("--http-bind " + bind + " is not an address of this host:"
                    + " use an IP address such as 127.0.0.1 or 0.0.0.0");
        }
    }

    public static HttpOptions local(int port) {
        return new HttpOptions(port, DEFAULT_BIND, null);
    }

    public boolean enabled() {
        return port > 0;
    }
}
