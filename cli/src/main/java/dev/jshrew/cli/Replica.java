package dev.jshrew.cli;

import dev.jshrew.api.storage.FollowingStore;
import dev.jshrew.host.IndexerHost;
import dev.jshrew.host.Storages;
import dev.jshrew.memory.CommittedMemoryProvider;
import dev.jshrew.node.metrics.NodeMetrics;
import dev.jshrew.node.rpc.ViewPool;
import dev.jshrew.node.sync.ChainState;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What {@code serve --replica-of DIR} runs instead of a {@link NodeSession}: the primary's database opened as a
 * follower ({@link FollowingStore}, a RocksDB secondary instance keeping its own files in {@code --db}), the indexer
 * module for views only, a view pool, and one thread that catches up with the primary every interval. It never
 * indexes: its tip is the primary's durable tip as of the last catch-up. Closes in reverse order.
 */
final class Replica implements AutoCloseable {
    private static final Logger LOG = System.getLogger("jshrew.replica");

    final FollowingStore follower;
    final IndexerHost host;
    final ChainState state;
    final ViewPool views;
    private final ScheduledExecutorService catchUp;
    private final long staleAfterNanos;
    private volatile long lastTip = -2;
    private volatile long lastCaughtUpNanos;
    private volatile NodeMetrics metrics;

    Replica(EngineArgs args, Path primary, Duration interval, int viewWorkers) {
        follower = Storages.openFollower(primary, args.db);
        IndexerHost opened = null;
        ViewPool pool = null;
        try {
            opened = IndexerHost.builder()
                    .engine(args.engine, args.engineOptions, new CommittedMemoryProvider())
                    .module(args.indexer.getFileName().toString(), args.moduleBytes())
                    .store(follower)
                    .label(args.label)
                    .runOptions(args.runOptions())
                    .open();
            IndexerHost viewHost = opened;
            pool = new ViewPool(viewWorkers, () -> viewHost.newViewRunner(System.err::print), ViewPool.DEFAULT_WAIT);
        } catch (RuntimeException e) {
            if (opened != null) {
                opened.close();
            } else {
                follower.close();
            }
            throw e;
        }
        host = opened;
        views = pool;
        state = new ChainState(host.store());
        // The primary's tip is only known through a catch-up: one that has not succeeded for this long means the
        // replica may be behind by an unknown number of blocks, and /readyz says not ready.
        staleAfterNanos = Math.max(
                Duration.ofSeconds(10).toNanos(), interval.multipliedBy(5).toNanos());
        catchUpOnce();
        catchUp = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jshrew-replica-catch-up");
            t.setDaemon(true);
            return t;
        });
        long millis = Math.max(1, interval.toMillis());
        catchUp.scheduleWithFixedDelay(this::catchUpQuietly, millis, millis, TimeUnit.MILLISECONDS);
        LOG.log(Level.INFO, "replica of {0}: catching up every {1} ms, own files in {2}", primary, millis, args.db);
    }

    /**
     * Serves {@code /metrics}, {@code /healthz} and {@code /readyz} on {@code port}: ready while the last catch-up
     * with the primary is recent and the replica is within {@code readyMaxLag} blocks of the tip it saw then (a
     * catch-up makes the primary's durable tip visible, so a replica that catches up is 0 behind).
     */
    NodeMetrics serveMetrics(String bindHost, int port, long readyMaxLag) throws java.io.IOException {
        NodeMetrics m = new NodeMetrics(() -> 0L, lastTip)
                .chain(this::primaryTip, readyMaxLag)
                .health(() -> {
                    follower.tip();
                    return true;
                })
                .viewPool(views);
        m.serve(bindHost, port);
        metrics = m;
        return m;
    }

    /** The metrics once {@link #serveMetrics} ran, else null. */
    NodeMetrics metrics() {
        return metrics;
    }

    /** The primary's tip as of the last catch-up, or -1 (unknown) when that catch-up is too old. */
    private long primaryTip() {
        return System.nanoTime() - lastCaughtUpNanos > staleAfterNanos ? -1 : lastTip;
    }

    /** Catches up with the primary and returns the tip now visible (-1: nothing indexed). */
    long catchUpOnce() {
        OptionalLong tip = follower.catchUp();
        long now = tip.orElse(-1);
        lastCaughtUpNanos = System.nanoTime();
        NodeMetrics m = metrics;
        if (m != null) {
            m.followed(now);
        }
        if (now != lastTip) {
            LOG.log(Level.DEBUG, "replica: caught up to tip {0}", now);
            lastTip = now;
        }
        return now;
    }

    private void catchUpQuietly() {
        try {
            catchUpOnce();
        } catch (RuntimeException e) {
            // The primary may be compacting or restarting; the next catch-up tries again, views keep their state.
            LOG.log(Level.WARNING, "replica: cannot catch up with the primary (retrying): {0}", e.toString());
        }
    }

    @Override
    public void close() {
        NodeMetrics m = metrics;
        if (m != null) {
            m.close();
        }
        catchUp.shutdownNow();
        try {
            catchUp.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            views.close();
        } finally {
            host.close();
        }
    }
}
