package dev.lookupkeeper.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of PostgreSQL that a test can break: {@link #cut()} closes every connection
 * through it at once (a reset between the sidecar and the server), {@link #stall(boolean)} stops
 * moving bytes in both directions while keeping the connections open (a network that hangs),
 * {@link #darken()} stops the connections open now for good without closing them (a NAT or load
 * balancer that forgot the flows: no reset, no byte, ever) while new connections go through.
 */
public final class ChaosProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final java.util.Set<Socket> dark = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean stalled;
    private volatile boolean closed;

    public ChaosProxy(String host, int port) throws IOException {
        this.target = new InetSocketAddress(host, port);
        this.listener = new ServerSocket(0, 200, java.net.InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "chaos-proxy");
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Connections accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    /** Closes every connection through the proxy (new ones are accepted as before). */
    public void cut() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    /**
     * The connections open now go dark for good: no byte moves either way on them again and they are
     * never closed by the proxy; connections made afterwards go through. Returns how many went dark.
     */
    public int darken() {
        dark.addAll(open);
        return open.size() / 2;
    }

    /** While stalled, no byte moves either way; the connections stay open. */
    public void stall(boolean on) {
        stalled = on;
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                try {
                    server.connect(target, 5000);
                } catch (IOException e) {
                    closeQuietly(client);
                    continue;
                }
                accepted.incrementAndGet();
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                open.add(client);
                open.add(server);
                pump(client, server);
                pump(server, client);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                while (true) {
                    while ((stalled || dark.contains(from)) && !from.isClosed()) {
                        Thread.sleep(20);
                    }
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    while ((stalled || dark.contains(from)) && !from.isClosed()) {
                        Thread.sleep(20); // bytes read before the stall wait too
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // cut, or the peer went away
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
                dark.remove(from);
                dark.remove(to);
            }
        }, "chaos-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closed already
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly2(listener);
        cut();
    }

    private static void closeQuietly2(ServerSocket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closed already
        }
    }
}
