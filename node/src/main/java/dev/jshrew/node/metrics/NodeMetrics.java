package dev.jshrew.node.metrics;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.jshrew.host.BlockResult;
import dev.jshrew.node.http.HttpEndpoint;
import dev.jshrew.node.rpc.JsonRpc;
import dev.jshrew.node.rpc.ServedPaths;
import dev.jshrew.node.rpc.ViewPool;
import dev.jshrew.node.sync.SyncListener;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Prometheus metrics of a node, served in the text format at {@code http://HOST:PORT/metrics} ({@code
 * --metrics-port}) by Jetty with the JSON-RPC server's limits ({@link HttpEndpoint}: slow or idle connections are
 * closed without holding a thread, at most {@link #MAX_CONNECTIONS_PER_ADDRESS} connections per client address):
 *
 * <table>
 *   <caption>metrics</caption>
 *   <tr><td>{@code jshrew_tip_height}</td><td>gauge: the indexed tip (-1: none)</td></tr>
 *   <tr><td>{@code jshrew_block_run_seconds}</td><td>histogram: time in the guest per block</td></tr>
 *   <tr><td>{@code jshrew_block_reset_seconds}</td><td>histogram: time to get a pristine instance per block</td></tr>
 *   <tr><td>{@code jshrew_block_commit_seconds}</td><td>histogram: storage commit time per block</td></tr>
 *   <tr><td>{@code jshrew_last_block_seconds}</td><td>gauge: run + reset + commit of the last block</td></tr>
 *   <tr><td>{@code jshrew_committed_memory_bytes}</td><td>gauge: guest memory committed by the indexer and the view
 *   instances</td></tr>
 *   <tr><td>{@code jshrew_guest_memory_pages}</td><td>gauge: the indexing guest's high-water mark in the last
 *   block</td></tr>
 *   <tr><td>{@code jshrew_blocks_indexed_total}, {@code jshrew_reorgs_total},
 *   {@code jshrew_block_failures_total}</td><td>counters</td></tr>
 *   <tr><td>{@code jshrew_rpc_requests_total{method,outcome}}</td><td>counter: JSON-RPC calls by method and ok/error; a
 *   method the server does not have is counted as {@code other}, so clients cannot add series</td></tr>
 *   <tr><td>{@code jshrew_rpc_request_seconds{method}}</td><td>histogram: JSON-RPC call latency, the same bounded
 *   {@code method} label</td></tr>
 *   <tr><td>{@code jshrew_chain_tip_height}, {@code jshrew_chain_lag_blocks}</td><td>gauges: the chain source's tip
 *   (bitcoind's {@code getblockcount}) and it minus the indexed tip (-1 while the source's tip is unknown)</td></tr>
 *   <tr><td>{@code jshrew_view_workers}, {@code jshrew_view_workers_busy}, {@code jshrew_view_pool_waiters},
 *   {@code jshrew_view_pool_saturation}</td><td>gauges: the view pool's size, runners lent out, requests waiting for
 *   one, busy / size</td></tr>
 *   <tr><td>{@code jvm_*}, {@code process_*}</td><td>the Prometheus client's JVM and process instrumentation</td></tr>
 * </table>
 * The endpoint also answers {@code GET /healthz} (200 while the process runs and the database answers a read, else
 * 503) and {@code GET /readyz} (200 once the indexed tip is within {@code readyMaxLag} blocks of the chain source's
 * tip, else 503), each with a one-line text body.
 * Thread-safe.
 */
public final class NodeMetrics implements SyncListener, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NodeMetrics.class.getName());

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Gauge tip;
    private final Histogram run;
    private final Histogram reset;
    private final Histogram commit;
    private final Gauge lastBlock;
    private final Gauge pages;
    private final Counter blocks;
    private final Counter reorgs;
    private final Counter failures;
    private final Counter reads;
    private final Counter cacheHits;
    private final Counter rpc;
    private final Histogram rpcSeconds;
    private volatile long tipHeight;
    private volatile LongSupplier chainTip = () -> -1;
    private volatile long readyMaxLag = DEFAULT_READY_MAX_LAG;
    private volatile BooleanSupplier databaseOpen = () -> true;
    private HttpEndpoint server;

    /** {@code /readyz} is 200 once the indexed tip is at most this many blocks below the chain's (default). */
    public static final long DEFAULT_READY_MAX_LAG = 2;

    /** The metrics endpoint's idle timeout: a connection that sends nothing for this long is closed. */
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(10);
    /** The metrics endpoint's cap on connections open at once from one client address. */
    public static final int MAX_CONNECTIONS_PER_ADDRESS = 16;

    /**
     * @param committedBytes guest memory committed now (indexer + views)
     * @param initialTip the tip at startup (-1: none)
     */
    public NodeMetrics(LongSupplier committedBytes, long initialTip) {
        tip = Gauge.builder()
                .name("jshrew_tip_height")
                .help("the indexed tip height (-1: none)")
                .register(registry);
        tip.set(initialTip);
        tipHeight = initialTip;
        run = Histogram.builder()
                .name("jshrew_block_run_seconds")
                .help("time in the guest (_start) per block")
                .classicOnly()
                .register(registry);
        reset = Histogram.builder()
                .name("jshrew_block_reset_seconds")
                .help("time to get a pristine instance per block")
                .classicOnly()
                .register(registry);
        commit = Histogram.builder()
                .name("jshrew_block_commit_seconds")
                .help("storage commit time per block")
                .classicOnly()
                .register(registry);
        lastBlock = Gauge.builder()
                .name("jshrew_last_block_seconds")
                .help("reset + run + commit time of the last block")
                .register(registry);
        pages = Gauge.builder()
                .name("jshrew_guest_memory_pages")
                .help("the indexing guest's memory high-water mark in the last block, in 64 KiB pages")
                .register(registry);
        GaugeWithCallback.builder()
                .name("jshrew_committed_memory_bytes")
                .help("guest memory committed physically by the indexer and view instances")
                .callback(cb -> cb.call(committedBytes.getAsLong()))
                .register(registry);
        blocks = counter("jshrew_blocks_indexed", "blocks indexed by this process");
        reorgs = counter("jshrew_reorgs", "reorgs handled (rollbacks)");
        failures = counter("jshrew_block_failures", "failed block runs (retried)");
        reads = counter(
                "jshrew_block_reads",
                "the indexed blocks' reads that the host answered (from the read cache or the store)");
        cacheHits = counter(
                "jshrew_read_cache_hits",
                "of jshrew_block_reads, those the indexer's read cache answered (--read-cache)");
        rpc = Counter.builder()
                .name("jshrew_rpc_requests")
                .help("JSON-RPC calls")
                .labelNames("method", "outcome")
                .register(registry);
        rpcSeconds = Histogram.builder()
                .name("jshrew_rpc_request_seconds")
                .help("JSON-RPC call latency by method (unknown methods: other)")
                .labelNames("method")
                .classicOnly()
                .register(registry);
        GaugeWithCallback.builder()
                .name("jshrew_chain_tip_height")
                .help("the chain source's tip height as last seen (bitcoind getblockcount; -1: unknown)")
                .callback(cb -> cb.call(chainTip.getAsLong()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("jshrew_chain_lag_blocks")
                .help("the chain source's tip minus the indexed tip (-1: the source's tip is unknown)")
                .callback(cb -> cb.call(lag()))
                .register(registry);
        JvmMetrics.builder().register(registry);
    }

    /** The chain source's tip minus the indexed tip, or -1 while the source's tip is unknown. */
    public long lag() {
        long chain = chainTip.getAsLong();
        return chain < 0 ? -1 : Math.max(0, chain - tipHeight);
    }

    /**
     * Where the chain's tip comes from ({@code Sync::chainTip}) and how far behind {@code /readyz} still says ready.
     */
    public NodeMetrics chain(LongSupplier chainTip, long readyMaxLag) {
        if (readyMaxLag < 0) {
            throw new IllegalArgumentException("negative ready lag: " + readyMaxLag);
        }
        this.chainTip = chainTip;
        this.readyMaxLag = readyMaxLag;
        return this;
    }

    /** What {@code /healthz} checks besides the process being up: the database answers (true) or not. */
    public NodeMetrics health(BooleanSupplier databaseOpen) {
        this.databaseOpen = databaseOpen;
        return this;
    }

    /** Exports the view pool's size, busy runners, waiting requests and saturation (busy / size). */
    public NodeMetrics viewPool(ViewPool pool) {
        GaugeWithCallback.builder()
                .name("jshrew_view_workers")
                .help("view instances in the pool (--view-workers)")
                .callback(cb -> cb.call(pool.size()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("jshrew_view_workers_busy")
                .help("view instances running a view or preview now")
                .callback(cb -> cb.call(pool.busy()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("jshrew_view_pool_waiters")
                .help("JSON-RPC calls waiting for a free view instance now")
                .callback(cb -> cb.call(pool.waiters()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("jshrew_view_pool_saturation")
                .help("busy view instances / view instances")
                .callback(cb -> cb.call((double) pool.busy() / pool.size()))
                .register(registry);
        return this;
    }

    /** Exports {@code jshrew_block_running_seconds}: how long the block in the guest has run so far (0: none). */
    public NodeMetrics runningBlock(java.util.function.DoubleSupplier seconds) {
        GaugeWithCallback.builder()
                .name("jshrew_block_running_seconds")
                .help("seconds the block now being indexed has been running (0 between blocks)")
                .callback(cb -> cb.call(seconds.getAsDouble()))
                .register(registry);
        return this;
    }

    /** A counter without labels, registered with this node's registry. */
    private Counter counter(String name, String help) {
        return Counter.builder().name(name).help(help).register(registry);
    }

    /** Serves {@code /metrics} on {@code host:port} (0: any free port). */
    public NodeMetrics serve(String host, int port) throws IOException {
        return serve(host, port, IDLE_TIMEOUT, MAX_CONNECTIONS_PER_ADDRESS);
    }

    /** Serves {@code /metrics} on {@code host:port} (0: any free port) with these limits. */
    public NodeMetrics serve(String host, int port, Duration idleTimeout, int maxConnectionsPerAddress)
            throws IOException {
        HttpEndpoint.Limits limits = new HttpEndpoint.Limits(4, idleTimeout, maxConnectionsPerAddress);
        PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
        Handler handler = new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws IOException {
                String path = Request.getPathInContext(request);
                if (ServedPaths.HEALTHZ.equals(path) || ServedPaths.READYZ.equals(path)) {
                    Probe probe = ServedPaths.HEALTHZ.equals(path) ? health() : readiness();
                    response.setStatus(probe.ok() ? 200 : 503);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
                    response.write(true, ByteBuffer.wrap((probe.text() + "\n").getBytes(UTF_8)), callback);
                    return true;
                }
                if (!ServedPaths.METRICS.equals(path)) {
                    response.setStatus(404);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
                    response.write(
                            true, ByteBuffer.wrap("try /metrics, /healthz or /readyz\n".getBytes(UTF_8)), callback);
                    return true;
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                writer.write(out, registry.scrape());
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, writer.getContentType());
                response.write(true, ByteBuffer.wrap(out.toByteArray()), callback);
                return true;
            }
        };
        try {
            server = new HttpEndpoint("jshrew-metrics", host, port, limits, handler);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot serve metrics on " + host + ":" + port, e);
        }
        LOG.log(Level.INFO, "serving Prometheus metrics on http://{0}:{1,number,#}/metrics", host, server.port());
        return this;
    }

    /** What a probe answers: ok (200) or not (503), and one line saying why. */
    public record Probe(boolean ok, String text) {}

    /** {@code /healthz}: the process is up and the database answers. */
    public Probe health() {
        boolean open;
        try {
            open = databaseOpen.getAsBoolean();
        } catch (RuntimeException e) {
            open = false;
        }
        return open ? new Probe(true, "ok") : new Probe(false, "the database does not answer");
    }

    /** {@code /readyz}: caught up within {@code readyMaxLag} blocks of the chain source's tip. */
    public Probe readiness() {
        Probe health = health();
        if (!health.ok()) {
            return health;
        }
        long chain = chainTip.getAsLong();
        long tipNow = tipHeight;
        if (chain < 0) {
            return new Probe(false, "not ready: the chain's tip is not known yet (indexed tip " + tipNow + ")");
        }
        long behind = Math.max(0, chain - tipNow);
        String text = "indexed tip " + tipNow + ", chain tip " + chain + ", " + behind + " behind (ready within "
                + readyMaxLag + ")";
        return new Probe(behind <= readyMaxLag, (behind <= readyMaxLag ? "ready: " : "not ready: ") + text);
    }

    /** The metrics port, once serving. */
    public int port() {
        return server.port();
    }

    /** Counts one JSON-RPC call; a method the server does not have counts as {@code other}. */
    public void rpcCall(String method, boolean ok) {
        String known = JsonRpc.METHODS.contains(method) ? method : "other";
        rpc.labelValues(known, ok ? "ok" : "error").inc();
    }

    /** Counts one JSON-RPC call and records its latency; a method the server does not have is {@code other}. */
    public void rpcCall(String method, boolean ok, long nanos) {
        rpcCall(method, ok);
        rpcSeconds
                .labelValues(JsonRpc.METHODS.contains(method) ? method : "other")
                .observe(nanos / 1e9);
    }

    /** The registry's current series count (a scrape's data points), for tests and diagnostics. */
    public int seriesCount() {
        int n = 0;
        for (var snapshot : registry.scrape()) {
            n += snapshot.getDataPoints().size();
        }
        return n;
    }

    @Override
    public void indexed(BlockResult result, long remaining) {
        tip.set(result.height());
        tipHeight = result.height();
        run.observe(result.runNanos() / 1e9);
        reset.observe(result.resetNanos() / 1e9);
        commit.observe(result.commitNanos() / 1e9);
        lastBlock.set((result.runNanos() + result.resetNanos() + result.commitNanos()) / 1e9);
        pages.set(result.highWaterPages());
        blocks.inc();
        reads.inc(result.storeReads());
        cacheHits.inc(result.cacheHits());
    }

    /**
     * A read replica's tip moved (it caught up with its primary; it indexes nothing): the tip gauge, and the height
     * {@code /readyz} compares with the chain's tip.
     */
    public void followed(long height) {
        tip.set(height);
        tipHeight = height;
    }

    @Override
    public void reorg(long tipHeight, long forkPoint) {
        reorgs.inc();
        tip.set(forkPoint);
        tipHeight = forkPoint;
    }

    @Override
    public void blockFailed(long height, RuntimeException error, Duration retryIn) {
        failures.inc();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
