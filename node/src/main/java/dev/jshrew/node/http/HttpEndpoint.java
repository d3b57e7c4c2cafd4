package dev.jshrew.node.http;

import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * One Jetty server on one address with the limits every endpoint of the node shares (JSON-RPC and metrics): a
 * bounded worker pool, an idle timeout (a connection that sends or reads nothing for that long is closed, slow
 * headers included: Jetty parses headers without holding a thread) and a cap on the connections open at once from
 * one client address (a connection over the cap is closed as soon as it is accepted). {@link #close()} stops
 * accepting, lets requests in flight finish (up to 5 s) and frees the port.
 */
public final class HttpEndpoint implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HttpEndpoint.class.getName());

    /** The limits of one endpoint. */
    public record Limits(int threads, Duration idleTimeout, int maxConnectionsPerAddress) {
        public Limits {
            if (threads < 1 || maxConnectionsPerAddress < 1 || idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("invalid HTTP limits: " + threads + " threads, idle timeout "
                        + idleTimeout + ", " + maxConnectionsPerAddress + " connections per address");
            }
        }
    }

    private final Server server;
    private final ServerConnector connector;
    private final PerAddressLimit perAddress;

    /**
     * Starts serving {@code handler}.
     *
     * @param name the thread names' prefix and what the log calls it
     * @param port 0 for any free port (see {@link #port()})
     */
    public HttpEndpoint(String name, String host, int port, Limits limits, Handler handler) throws Exception {
        // Jetty takes the selector and the acceptor from the pool too: keep room for the requests.
        QueuedThreadPool pool = new QueuedThreadPool(Math.max(limits.threads(), 4) + 2, 2);
        pool.setName(name);
        pool.setDaemon(true);
        this.server = new Server(pool);
        this.connector = new ServerConnector(server, 1, 1);
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        this.perAddress = new PerAddressLimit(name, limits.maxConnectionsPerAddress());
        connector.addBean(perAddress);
        server.addConnector(connector);
        server.setStopTimeout(5_000);
        server.setHandler(handler);
        server.start();
    }

    /** The bound port. */
    public int port() {
        return connector.getLocalPort();
    }

    public String host() {
        return connector.getHost();
    }

    /** Connections closed on accept because their address had too many open, since the start. */
    public long refusedConnections() {
        return perAddress.refused.get();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "stopping the HTTP server: {0}", e.toString());
        }
    }

    /** Counts the open connections per remote address and closes those over the cap. */
    private static final class PerAddressLimit implements Connection.Listener {
        private final String name;
        private final int max;
        private final ConcurrentHashMap<Object, Integer> open = new ConcurrentHashMap<>();
        /** The address each counted connection was counted under (a closed socket may no longer tell it). */
        private final ConcurrentHashMap<Connection, Object> counted = new ConcurrentHashMap<>();

        private final AtomicLong refused = new AtomicLong();

        PerAddressLimit(String name, int max) {
            this.name = name;
            this.max = max;
        }

        private static Object key(Connection connection) {
            SocketAddress remote = connection.getEndPoint().getRemoteSocketAddress();
            if (remote instanceof InetSocketAddress inet) {
                InetAddress address = inet.getAddress();
                return address != null ? address : inet.getHostString();
            }
            return String.valueOf(remote);
        }

        @Override
        public void onOpened(Connection connection) {
            Object key = key(connection);
            int now = open.merge(key, 1, Integer::sum);
            if (now > max) {
                release(key);
                long n = refused.incrementAndGet();
                if (n == 1 || n % 1000 == 0) {
                    LOG.log(
                            Level.WARNING,
                            "{0}: closed a connection from {1}: it already has {2} open (the cap); {3} closed so far",
                            name,
                            key,
                            max,
                            n);
                }
                connection.getEndPoint().close();
                return;
            }
            counted.put(connection, key);
        }

        @Override
        public void onClosed(Connection connection) {
            Object key = counted.remove(connection);
            if (key != null) {
                release(key);
            }
        }

        private void release(Object key) {
            open.computeIfPresent(key, (k, v) -> v <= 1 ? null : v - 1);
        }
    }
}
