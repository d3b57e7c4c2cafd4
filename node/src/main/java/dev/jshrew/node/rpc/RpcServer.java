package dev.jshrew.node.rpc;

import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The JSON-RPC endpoint over HTTP (Jetty 12, core handler API, no servlets): {@code POST} any path with a JSON body
 * of at most {@code maxBodyBytes}. Every answer that reaches the handler is a JSON-RPC body: a body over the limit
 * gets {@code -32600} (HTTP 200, like every other JSON-RPC error; the body is read and discarded up to
 * {@link #DRAIN_FACTOR} times the limit so the client receives the answer, beyond that the connection is closed),
 * another HTTP method gets HTTP 405 with a
 * {@code -32600} body. Requests run on a bounded thread pool; the views they call are further bounded by the
 * {@link ViewPool}. {@link #close()} stops accepting, lets requests in flight finish (up to 5 s) and frees the port.
 */
public final class RpcServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RpcServer.class.getName());

    /** A rejected body is read and discarded up to this many times the limit (or {@link #MIN_DRAIN_BYTES}). */
    static final int DRAIN_FACTOR = 8;

    static final long MIN_DRAIN_BYTES = 16L << 20;

    private final Server server;
    private final ServerConnector connector;

    /**
     * Starts serving.
     *
     * @param port 0 for any free port (see {@link #port()})
     */
    public RpcServer(String host, int port, JsonRpc rpc, int maxBodyBytes, int threads) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(Math.max(threads, 8), 2);
        pool.setName("jshrew-rpc");
        pool.setDaemon(true);
        this.server = new Server(pool);
        this.connector = new ServerConnector(server, 1, 1);
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(60_000);
        server.addConnector(connector);
        server.setStopTimeout(5_000);
        long drainLimit = Math.max(DRAIN_FACTOR * (long) maxBodyBytes, MIN_DRAIN_BYTES);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                byte[] answer;
                if (!"POST".equals(request.getMethod())) {
                    response.setStatus(405);
                    answer = JsonRpc.errorBody(
                            JsonRpc.INVALID_REQUEST,
                            "Invalid Request: JSON-RPC needs POST, not " + request.getMethod());
                } else {
                    long declared = request.getLength();
                    byte[] body = null;
                    boolean tooLarge;
                    boolean drained = true;
                    try (InputStream in = Content.Source.asInputStream(request)) {
                        if (declared <= maxBodyBytes) {
                            body = in.readNBytes(maxBodyBytes + 1);
                        }
                        tooLarge = body == null || body.length > maxBodyBytes;
                        if (tooLarge) {
                            drained = drain(in, drainLimit);
                        }
                    }
                    if (tooLarge) {
                        if (!drained) {
                            // The rest of the body stays unread, so this connection cannot carry another request:
                            // say so, or a client may reuse it and get nothing back.
                            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
                        }
                        answer = JsonRpc.errorBody(
                                JsonRpc.INVALID_REQUEST,
                                "Invalid Request: body larger than " + maxBodyBytes + " bytes");
                    } else {
                        answer = rpc.handle(body);
                    }
                }
                response.write(true, ByteBuffer.wrap(answer), callback);
                return true;
            }
        });
        server.start();
        LOG.log(Level.INFO, "serving JSON-RPC on http://{0}:{1,number,#}", host, connector.getLocalPort());
    }

    /**
     * Reads and discards at most {@code limit} more bytes of a rejected body. A body that is read to its end lets the
     * client receive the error: a server that answers and closes while the client is still sending makes the kernel
     * reset the connection, and the client loses the answer. Past the limit the connection is given up instead.
     *
     * @return whether the body ended within the limit
     */
    static boolean drain(InputStream in, long limit) throws java.io.IOException {
        byte[] sink = new byte[64 * 1024];
        long seen = 0;
        while (seen <= limit) {
            int n = in.read(sink);
            if (n < 0) {
                return true;
            }
            seen += n;
        }
        return false;
    }

    /** The bound port. */
    public int port() {
        return connector.getLocalPort();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(connector.getHost(), port());
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "stopping the JSON-RPC server: {0}", e.toString());
        }
    }
}
