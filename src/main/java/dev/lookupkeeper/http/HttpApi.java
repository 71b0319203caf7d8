package dev.lookupkeeper.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lookupkeeper.selection.PartitionSelector;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar's HTTP endpoints, on the JDK's built-in server: health, Prometheus metrics, and the
 * selection as JSON. Small and dependency-free; a sidecar serves its neighbour, not the internet.
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm and the
        // client's delayed ACK add ~40 ms to every response
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;

    /**
     * @param ready whether the sidecar is ready (streaming or trigger mode, and fresh)
     * @param readiness a short explanation of the readiness state, for the body
     */
    public HttpApi(int port, dev.lookupkeeper.selection.CandidateSource selector, Metrics metrics, BooleanSupplier ready, Supplier<String> readiness) throws IOException {
        this(HttpOptions.local(port), selector, metrics, ready, readiness);
    }

    public HttpApi(HttpOptions options, dev.lookupkeeper.selection.CandidateSource selector, Metrics metrics, BooleanSupplier ready,
                   Supplier<String> readiness) throws IOException {
        InetSocketAddress address = new InetSocketAddress(HttpOptions.address(options.bind()), options.port());
        try {
            server = HttpServer.create(address, 64);
        } catch (java.net.BindException e) {
            throw new dev.lookupkeeper.config.ConfigException("cannot listen on " + options.bind() + ":" + options.port() + " (" + e.getMessage()
                    + "): choose another --http-port or --http-bind, or --http-port 0 to turn HTTP off");
        }
        BearerToken token = options.token();
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/health/live", ex -> respond(ex, 200, "{\"status\":\"live\"}", "application/json"));
        server.createContext("/health/ready", ex -> {
            boolean ok = ready.getAsBoolean();
            respond(ex, ok ? 200 : 503, JSON.writeValueAsString(Map.of("status", ok ? "ready" : "not ready", "detail", readiness.get())),
                    "application/json");
        });
        server.createContext("/metrics", ex -> respond(ex, 200, metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8"));
        server.createContext("/v1/", ex -> {
            if (token != null && !token.admits(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"lookupkeeper\"");
                error(ex, 401, "this API needs the bearer token: send Authorization: Bearer <token>");
                return;
            }
            if (!ex.getRequestURI().getRawPath().startsWith("/v1/queues/")) {
                error(ex, 404, "not found: use GET /v1/queues/{queue}/partitions?group=&limit=");
                return;
            }
            select(ex, selector, metrics);
        });
        server.start();
        LOG.info("HTTP on {}:{}: /v1/queues/<queue>/partitions{}, /health/live, /health/ready, /metrics", options.bind(), port(),
                token != null ? " (bearer token required)" : "");
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void select(HttpExchange ex, dev.lookupkeeper.selection.CandidateSource selector, Metrics metrics) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        String rest = path.substring("/v1/queues/".length());
        if (!"GET".equals(ex.getRequestMethod()) || !rest.endsWith("/partitions") || rest.length() <= "/partitions".length()) {
            error(ex, 404, "not found: use GET /v1/queues/{queue}/partitions?group=&limit=");
            return;
        }
        String queue = URLDecoder.decode(rest.substring(0, rest.length() - "/partitions".length()), StandardCharsets.UTF_8);
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        int limit;
        try {
            limit = q.containsKey("limit") ? Integer.parseInt(q.get("limit")) : PartitionSelector.DEFAULT_LIMIT;
        } catch (NumberFormatException e) {
            error(ex, 400, "limit must be a whole number between 1 and " + PartitionSelector.MAX_LIMIT);
            return;
        }
        if (limit > PartitionSelector.MAX_LIMIT) {
            error(ex, 400, "limit " + limit + " is over this API's cap of " + PartitionSelector.MAX_LIMIT
                    + " per request: ask for fewer (the CLI's `select --all` lists every candidate)");
            return;
        }
        String group = q.get("group");
        if (group != null && group.isEmpty()) {
            group = null;
        }
        try {
            PartitionSelector.validate(queue, group, limit);
        } catch (IllegalArgumentException e) {
            error(ex, 400, e.getMessage());
            return;
        }
        long t = System.nanoTime();
        try {
            List<PartitionSelector.Candidate> list = selector.candidates(queue, group, limit);
            metrics.selection().record(System.nanoTime() - t, TimeUnit.NANOSECONDS);
            respond(ex, 200, JSON.writeValueAsString(list), "application/json");
        } catch (dev.lookupkeeper.selection.BoundedSelection.BusyException e) {
            ex.getResponseHeaders().set("Retry-After", "1");
            error(ex, 503, e.getMessage());
        } catch (Exception e) {
            LOG.warn("selection failed: {}", e.getMessage());
            error(ex, 503, "selection failed: the database is not answering");
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static void error(HttpExchange ex, int status, String message) throws IOException {
        respond(ex, status, JSON.writeValueAsString(Map.of("error", message)), "application/json");
    }

    private static void respond(HttpExchange ex, int status, String body, String type) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
