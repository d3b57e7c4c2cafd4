package dev.jshrew.cli;

import dev.jshrew.api.storage.FollowingStore;
import dev.jshrew.host.IndexerHost;
import dev.jshrew.host.Storages;
import dev.jshrew.memory.CommittedMemoryProvider;
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
    private volatile long lastTip = -2;

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

    /** Catches up with the primary and returns the tip now visible (-1: nothing indexed). */
    long catchUpOnce() {
        OptionalLong tip = follower.catchUp();
        long now = tip.orElse(-1);
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
