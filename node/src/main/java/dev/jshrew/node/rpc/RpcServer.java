package dev.jshrew.node.rpc;

import dev.jshrew.node.http.HttpEndpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The JSON-RPC endpoint over HTTP (Jetty 12, core handler API, no servlets): {@code POST} any path with a JSON body
 * of at most {@code maxBodyBytes}. Every answer that reaches the handler is a JSON-RPC body: a body over the limit
 * gets {@code -32600} (HTTP 200, like every other JSON-RPC error; the body is read and discarded up to
 * {@link #DRAIN_FACTOR} times the limit so the client receives the answer, beyond that the connection is closed),
 * {@code OPTIONS} (a browser's CORS preflight) gets 204 with {@code Allow}, and another HTTP method gets HTTP 405 with
 * a {@code -32600} body. CORS ({@link Cors}, {@code --cors}): every answer to a request from an allowed origin carries
 * {@code Access-Control-Allow-Origin}, and a preflight from one also gets the allowed methods, headers and max age;
 * a request from any other origin gets no CORS header.
 *
 * <p>Slow or abusive clients cannot starve the others: a body is read without holding a thread while it waits for
 * bytes, and must arrive whole within {@link Limits#requestReadTimeout()} (else {@code -32600} and the connection is
 * closed); connections idle longer than {@link Limits#idleTimeout()} are closed; one client address may hold at
 * most {@link Limits#maxConnectionsPerAddress()} connections ({@link HttpEndpoint}). Requests run on a bounded
 * thread pool; the views they call are further bounded by the {@link ViewPool}; a batch stops when its client has
 * gone ({@link JsonRpc#handle(byte[], BooleanSupplier)}). {@link #close()} stops accepting, lets requests in flight
 * finish (up to 5 s) and frees the port.
 */
public final class RpcServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RpcServer.class.getName());

    /** A rejected body is read and discarded up to this many times the limit (or {@link #MIN_DRAIN_BYTES}). */
    static final int DRAIN_FACTOR = 8;

    static final long MIN_DRAIN_BYTES = 16L << 20;

    /**
     * The server's limits.
     *
     * @param maxBodyBytes the largest request body
     * @param threads HTTP worker threads
     * @param requestReadTimeout the longest a request body may take to arrive, from its headers to its last byte
     * @param idleTimeout a connection that moves no byte for this long is closed
     * @param maxConnectionsPerAddress connections one client address may hold open at once
     */
    public record Limits(
            int maxBodyBytes,
            int threads,
            Duration requestReadTimeout,
            Duration idleTimeout,
            int maxConnectionsPerAddress) {
        /** The request read deadline of {@code serve} ({@code --request-read-timeout}). */
        public static final Duration DEFAULT_REQUEST_READ_TIMEOUT = Duration.ofSeconds(30);
        /** The idle timeout of a connection. */
        public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
        /** Connections per client address of {@code serve} ({@code --max-connections-per-address}). */
        public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 64;

        public Limits {
            if (maxBodyBytes < 1 || requestReadTimeout.isNegative() || requestReadTimeout.isZero()) {
                throw new IllegalArgumentException(
                        "invalid JSON-RPC limits: body " + maxBodyBytes + " bytes, read timeout " + requestReadTimeout);
            }
        }

        /** The defaults with this body limit and thread count. */
        public static Limits of(int maxBodyBytes, int threads) {
            return new Limits(
                    maxBodyBytes,
                    threads,
                    DEFAULT_REQUEST_READ_TIMEOUT,
                    DEFAULT_IDLE_TIMEOUT,
                    DEFAULT_MAX_CONNECTIONS_PER_ADDRESS);
        }
    }

    private final HttpEndpoint endpoint;

    /** Starts serving with the default timeouts and connection cap ({@link Limits#of}). */
    public RpcServer(String host, int port, JsonRpc rpc, int maxBodyBytes, int threads) throws Exception {
        this(host, port, rpc, Limits.of(maxBodyBytes, threads));
    }

    /**
     * Starts serving.
     *
     * @param port 0 for any free port (see {@link #port()})
     */
    public RpcServer(String host, int port, JsonRpc rpc, Limits limits) throws Exception {
        this(host, port, rpc, limits, Cors.NONE);
    }

    /**
     * Starts serving, with CORS headers for the origins {@code cors} allows.
     *
     * @param port 0 for any free port (see {@link #port()})
     */
    public RpcServer(String host, int port, JsonRpc rpc, Limits limits, Cors cors) throws Exception {
        this(host, port, rpc, limits, cors, null);
    }

    /**
     * Starts serving, and also answers {@code GET /snapshots/latest} and {@code GET /snapshots/NAME} from
     * {@code snapshots} ({@link SnapshotFiles}; null: no snapshots, every GET gets 405 as before).
     *
     * @param port 0 for any free port (see {@link #port()})
     */
    public RpcServer(String host, int port, JsonRpc rpc, Limits limits, Cors cors, java.nio.file.Path snapshots)
            throws Exception {
        long drainLimit = Math.max(DRAIN_FACTOR * (long) limits.maxBodyBytes(), MIN_DRAIN_BYTES);
        Handler handler = new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                if (corsAnswered(cors, request, response, callback)) {
                    return true;
                }
                if (snapshots != null && SnapshotFiles.handles(request)) {
                    SnapshotFiles.answer(snapshots, request, response, callback);
                    return true;
                }
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                if (!"POST".equals(request.getMethod())) {
                    response.setStatus(405);
                    byte[] answer = JsonRpc.errorBody(
                            JsonRpc.INVALID_REQUEST,
                            "Invalid Request: JSON-RPC needs POST, not " + request.getMethod());
                    response.write(true, ByteBuffer.wrap(answer), callback);
                    return true;
                }
                Scheduler scheduler = request.getComponents().getScheduler();
                new Exchange(rpc, limits, drainLimit, request, response, callback, scheduler).start();
                return true;
            }
        };
        this.endpoint = new HttpEndpoint(
                "jshrew-rpc",
                host,
                port,
                new HttpEndpoint.Limits(limits.threads(), limits.idleTimeout(), limits.maxConnectionsPerAddress()),
                handler);
        LOG.log(Level.INFO, "serving JSON-RPC on http://{0}:{1,number,#}", host, endpoint.port());
    }

    /**
     * Adds the CORS headers {@code cors} allows for the request's origin, and answers {@code OPTIONS} (a preflight)
     * itself: 204, {@code Allow}, and for an allowed origin the methods, headers and max age a browser needs.
     *
     * @return whether the request is answered
     */
    private static boolean corsAnswered(Cors cors, Request request, Response response, Callback callback) {
        var headers = response.getHeaders();
        var allowed = cors.allowOrigin(request.getHeaders().get(HttpHeader.ORIGIN));
        if (!cors.any() && !cors.origins().isEmpty()) {
            headers.add(HttpHeader.VARY, "Origin");
        }
        allowed.ifPresent(origin -> headers.put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, origin));
        if (!"OPTIONS".equals(request.getMethod())) {
            return false;
        }
        headers.put(HttpHeader.ALLOW, Cors.ALLOWED_METHODS);
        if (allowed.isPresent()) {
            String requested = request.getHeaders().get(HttpHeader.ACCESS_CONTROL_REQUEST_HEADERS);
            headers.put(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS, Cors.ALLOWED_METHODS);
            headers.put(
                    HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS,
                    requested == null || requested.isBlank() ? Cors.ALLOWED_HEADERS : requested);
            headers.put(HttpHeader.ACCESS_CONTROL_MAX_AGE, Integer.toString(Cors.MAX_AGE_SECONDS));
        }
        response.setStatus(204);
        response.write(true, null, callback);
        return true;
    }

    /**
     * One request: reads its body chunk by chunk as Jetty has bytes (no thread waits for a slow client), under the
     * read deadline, then answers. Exactly one of {@link #finish} and {@link #timedOut} answers.
     */
    private static final class Exchange implements Runnable {
        private final JsonRpc rpc;
        private final Limits limits;
        private final long drainLimit;
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final Scheduler scheduler;
        private final AtomicBoolean answered = new AtomicBoolean();
        private ByteArrayOutputStream body;
        private long seen;
        private boolean tooLarge;
        private Scheduler.Task deadline;
        private boolean gone;
        private boolean pipelined;

        Exchange(
                JsonRpc rpc,
                Limits limits,
                long drainLimit,
                Request request,
                Response response,
                Callback callback,
                Scheduler scheduler) {
            this.rpc = rpc;
            this.limits = limits;
            this.drainLimit = drainLimit;
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.scheduler = scheduler;
        }

        void start() {
            long declared = request.getLength();
            tooLarge = declared > limits.maxBodyBytes();
            body = tooLarge ? null : new ByteArrayOutputStream(Math.clamp(declared, 256, 1 << 20));
            run();
        }

        /**
         * Reads what is there; asks Jetty to call again when more arrives. The read deadline starts the first time
         * the body is not all there: a small request arrives whole with its headers, and is answered without a timer
         * to schedule and cancel.
         */
        @Override
        public void run() {
            while (!answered.get()) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    armDeadline();
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    if (answered.compareAndSet(false, true)) {
                        cancelDeadline();
                        callback.failed(chunk.getFailure());
                    }
                    return;
                }
                boolean last = chunk.isLast();
                ByteBuffer bytes = chunk.getByteBuffer();
                seen += bytes.remaining();
                if (!tooLarge && seen > limits.maxBodyBytes()) {
                    tooLarge = true;
                    body = null;
                }
                if (!tooLarge) {
                    byte[] copy = new byte[bytes.remaining()];
                    bytes.get(copy);
                    body.writeBytes(copy);
                }
                chunk.release();
                if (last) {
                    finish(true);
                    return;
                }
                if (tooLarge && seen > drainLimit) {
                    finish(false);
                    return;
                }
            }
        }

        /** Schedules {@link #timedOut} once, when the body first has to be waited for. */
        private synchronized void armDeadline() {
            if (deadline == null && !answered.get()) {
                deadline = scheduler.schedule(
                        this::timedOut, limits.requestReadTimeout().toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        private synchronized void cancelDeadline() {
            if (deadline != null) {
                deadline.cancel();
            }
        }

        private void finish(boolean drained) {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            cancelDeadline();
            byte[] answer;
            if (tooLarge) {
                if (!drained) {
                    // The rest of the body stays unread, so this connection cannot carry another request: say so,
                    // or a client may reuse it and get nothing back.
                    response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
                }
                answer = JsonRpc.errorBody(
                        JsonRpc.INVALID_REQUEST,
                        "Invalid Request: body larger than " + limits.maxBodyBytes() + " bytes");
            } else {
                try {
                    answer = rpc.handle(body.toByteArray(), this::clientGone);
                } catch (RuntimeException e) {
                    callback.failed(e);
                    return;
                }
            }
            response.write(true, ByteBuffer.wrap(answer), callback);
        }

        /** The read deadline passed before the body was whole: answer, and close the connection. */
        private void timedOut() {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            LOG.log(
                    Level.INFO,
                    "closing a JSON-RPC connection from {0}: {1} bytes of the body arrived in {2} s",
                    request.getConnectionMetaData().getRemoteSocketAddress(),
                    seen,
                    limits.requestReadTimeout().toSeconds());
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
            byte[] answer = JsonRpc.errorBody(
                    JsonRpc.INVALID_REQUEST,
                    "Invalid Request: the body did not arrive within "
                            + limits.requestReadTimeout().toSeconds() + " s");
            EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
            response.write(
                    true,
                    ByteBuffer.wrap(answer),
                    Callback.from(
                            () -> {
                                callback.succeeded();
                                endPoint.close();
                            },
                            failure -> {
                                callback.failed(failure);
                                endPoint.close();
                            }));
        }

        /**
         * Whether the client has closed its connection (or it failed) while the request runs. Jetty reads nothing
         * from a connection while its request is handled, so it would notice only when the answer is written: look
         * at the socket (non-blocking). A byte there is a pipelined request (JSON-RPC clients do not pipeline their
         * POSTs): it is consumed, so this connection closes after the answer.
         */
        private boolean clientGone() {
            EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
            if (gone || !endPoint.isOpen()) {
                return true;
            }
            if (!pipelined && endPoint.getTransport() instanceof SocketChannel channel && !channel.isBlocking()) {
                try {
                    int n = channel.read(ByteBuffer.allocate(1));
                    if (n < 0) {
                        gone = true;
                    } else if (n > 0) {
                        pipelined = true;
                        response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
                    }
                } catch (IOException e) {
                    gone = true;
                }
            }
            return gone;
        }
    }

    /** The bound port. */
    public int port() {
        return endpoint.port();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(endpoint.host(), port());
    }

    /** Connections closed on accept because their client address had too many open. */
    public long refusedConnections() {
        return endpoint.refusedConnections();
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
