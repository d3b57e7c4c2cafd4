package dev.jshrew.node.metrics;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.jshrew.host.BlockResult;
import dev.jshrew.node.http.HttpEndpoint;
import dev.jshrew.node.rpc.JsonRpc;
import dev.jshrew.node.sync.SyncListener;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
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
 * </table>
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
    private final Counter rpc;
    private HttpEndpoint server;

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
        blocks = Counter.builder()
                .name("jshrew_blocks_indexed")
                .help("blocks indexed by this process")
                .register(registry);
        reorgs = Counter.builder()
                .name("jshrew_reorgs")
                .help("reorgs handled (rollbacks)")
                .register(registry);
        failures = Counter.builder()
                .name("jshrew_block_failures")
                .help("failed block runs (retried)")
                .register(registry);
        rpc = Counter.builder()
                .name("jshrew_rpc_requests")
                .help("JSON-RPC calls")
                .labelNames("method", "outcome")
                .register(registry);
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
                if (!"/metrics".equals(Request.getPathInContext(request))) {
                    response.setStatus(404);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
                    response.write(true, ByteBuffer.wrap("try /metrics\n".getBytes(UTF_8)), callback);
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

    /** The metrics port, once serving. */
    public int port() {
        return server.port();
    }

    /** Counts one JSON-RPC call; a method the server does not have counts as {@code other}. */
    public void rpcCall(String method, boolean ok) {
        String known = JsonRpc.METHODS.contains(method) ? method : "other";
        rpc.labelValues(known, ok ? "ok" : "error").inc();
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
        run.observe(result.runNanos() / 1e9);
        reset.observe(result.resetNanos() / 1e9);
        commit.observe(result.commitNanos() / 1e9);
        lastBlock.set((result.runNanos() + result.resetNanos() + result.commitNanos()) / 1e9);
        pages.set(result.highWaterPages());
        blocks.inc();
    }

    @Override
    public void reorg(long tipHeight, long forkPoint) {
        reorgs.inc();
        tip.set(forkPoint);
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
