package dev.lookupkeeper.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** `--db-url` read into libpq's parts: host(s), port(s), user, dbname, sslmode, targetServerType. */
final class DbUrl {
    private DbUrl() {}

    /**
     * Accepts {@code postgresql://user@host:port/db?sslmode=...} and
     * {@code jdbc:postgresql://host:port/db?user=...}. A password in either is refused: it would
     * be visible in the process list and in shell history.
     */
    static Map<String, String> parse(String url) {
        String u = url.startsWith("jdbc:") ? url.substring(5) : url;
        if (!(u.startsWith("postgresql://") || u.startsWith("postgres://"))) {
            throw new ConfigException("--db-url must look like postgresql://user@host:5432/dbname or jdbc:postgresql://host:5432/dbname");
        }
        Map<String, String> multi = new HashMap<>();
        int authStart = u.indexOf("://") + 3;
        int authEnd = -1;
        for (char end : new char[] {'/', '?', '#'}) {
            int i = u.indexOf(end, authStart);
            if (i >= 0 && (authEnd < 0 || i < authEnd)) {
                authEnd = i; // the authority ends at the path, the query or the fragment, whichever comes first
            }
        }
        String authority = u.substring(authStart, authEnd < 0 ? u.length() : authEnd);
        String hostPart = authority.substring(authority.lastIndexOf('@') + 1);
        if (hostPart.contains(",")) {
            // several host:port pairs (java.net.URI takes one): the first stands in for the parse, the rest are joined back
            StringBuilder hosts = new StringBuilder();
            StringBuilder ports = new StringBuilder();
            for (String hp : hostPart.split(",", -1)) {
                int colon = hp.startsWith("[") ? hp.indexOf("]:") + 1 : hp.lastIndexOf(':');
                String h = colon > 0 ? hp.substring(0, colon) : hp;
                String p = colon > 0 ? hp.substring(colon + 1) : "5432";
                hosts.append(hosts.length() > 0 ? "," : "").append(h.startsWith("[") ? h.substring(1, h.length() - 1) : h);
                ports.append(ports.length() > 0 ? "," : "").append(p);
            }
            multi.put("host", hosts.toString());
            multi.put("port", ports.toString());
            String first = hostPart.split(",", -1)[0];
            u = u.substring(0, authStart) + authority.substring(0, authority.length() - hostPart.length()) + first
                    + (authEnd < 0 ? "" : u.substring(authEnd));
        }
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            throw new ConfigException("--db-url is not a valid URL (check its host, port and database parts)");
        }
        Map<String, String> out = new HashMap<>();
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            if (userInfo.contains(":")) {
                throw new ConfigException("--db-url must not contain a password: put it in PGPASSWORD or --password-file");
            }
            out.put("user", decode(userInfo));
        }
        if (uri.getHost() != null) {
            out.put("host", uri.getHost());
        }
        if (uri.getPort() > 0) {
            out.put("port", Integer.toString(uri.getPort()));
        }
        String path = uri.getRawPath();
        if (path != null && path.length() > 1) {
            out.put("dbname", decode(path.substring(1)));
        }
        String query = uri.getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String k = decode(eq < 0 ? pair : pair.substring(0, eq));
                String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
                switch (k) {
                    case "password" -> throw new ConfigException("--db-url must not contain a password: put it in PGPASSWORD or --password-file");
                    case "user", "sslmode", "host", "port", "dbname" -> out.put(k, v);
                    case "targetServerType" -> out.put(k, targetServerType(v));
                    case "target_session_attrs" -> out.put("targetServerType", targetServerType(v));
                    default -> { /* other driver parameters are not needed by lookupkeeper */ }
                }
            }
        }
        out.putAll(multi);
        return out;
    }

    /** pgjdbc's targetServerType from its own spelling or libpq's target_session_attrs. */
    private static String targetServerType(String v) {
        return switch (v) {
            case "any", "primary", "secondary", "preferSecondary", "preferPrimary" -> v;
            case "read-write", "master" -> "primary";
            case "standby", "read-only" -> "secondary";
            case "prefer-standby" -> "preferSecondary";
            default -> throw new ConfigException("--db-url: targetServerType '" + v + "' is not one of any, primary, secondary,"
                    + " preferSecondary, preferPrimary (or target_session_attrs read-write, primary, standby, prefer-standby, any)");
        };
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
