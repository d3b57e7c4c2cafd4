package dev.jshrew.cli;

import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.host.Indexer;
import dev.jshrew.host.IndexerHost;
import dev.jshrew.host.RunOptions;
import dev.jshrew.node.chain.ChainSource;
import dev.jshrew.node.metrics.BlockLog;
import dev.jshrew.node.metrics.NodeMetrics;
import dev.jshrew.node.progress.Progress;
import dev.jshrew.node.rpc.ViewPool;
import dev.jshrew.node.sync.ChainState;
import dev.jshrew.node.sync.Sync;
import dev.jshrew.node.sync.SyncListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What {@code index} and {@code serve} run: the engine, the store, the indexer, optionally a view pool, the
 * progress display and metrics, and the sync loop. On SIGTERM/SIGINT the sync loop is asked to stop, and the
 * shutdown waits (up to 30 s) for the current block to finish and everything to close, so a stop between blocks
 * is clean; a harder kill is what the crash-safety tests exercise. Closes in reverse order.
 */
final class NodeSession implements AutoCloseable {
    private static final Logger LOG = System.getLogger("jshrew.node");

    final ChainSource source;
    final RunOptions runOptions;
    final IndexerHost host;
    final KeyValueStore store;
    final Indexer indexer;
    final ChainState state;
    final ViewPool views;
    final NodeMetrics metrics;
    final Progress progress;
    private final BlockLog blockLog;
    private final NodeArgs node;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final List<AutoCloseable> resources = new ArrayList<>();
    private volatile Sync sync;
    private volatile boolean stopRequested;
    private Thread hook;
    private final List<SyncListener> extraListeners = new ArrayList<>();

    NodeSession(EngineArgs args, NodeArgs node, int viewWorkers, String metricsHost) {
        this(args, node, new UpgradeArgs(), viewWorkers, metricsHost);
    }

    NodeSession(EngineArgs args, NodeArgs node, UpgradeArgs upgrade, int viewWorkers, String metricsHost) {
        this.node = node;
        this.source = node.source();
        this.runOptions = args.runOptions();
        node.syncOptions(); // validate before anything is opened
        boolean overlapCommits = node.overlapCommits();
        Progress.Mode mode = node.progressMode();
        boolean ready = false;
        try {
            host = args.openHost(runOptions);
            resources.add(host);
            store = host.store();
            indexer = host.newIndexer(System.err::print, upgrade.height(), overlapCommits);
            state = new ChainState(store);
            if (viewWorkers > 0) {
                views = new ViewPool(viewWorkers, () -> host.newViewRunner(System.err::print), ViewPool.DEFAULT_WAIT);
                resources.add(views);
            } else {
                views = null;
            }
            if (node.metricsPort != null) {
                if (node.readyMaxLag < 0) {
                    throw new dev.jshrew.api.JshrewException(
                            dev.jshrew.api.ErrorCode.INPUT,
                            "--ready-max-lag must be 0 or more, not " + node.readyMaxLag);
                }
                metrics = new NodeMetrics(this::committedBytes, state.tip())
                        .chain(this::chainTip, node.readyMaxLag)
                        .health(() -> {
                            store.tip();
                            return true;
                        });
                if (views != null) {
                    metrics.viewPool(views);
                }
                metrics.serve(metricsHost, node.metricsPort);
                resources.add(metrics);
            } else {
                metrics = null;
            }
            if (node.blockLog != null) {
                blockLog = new BlockLog(node.blockLog);
                resources.add(blockLog);
            } else {
                blockLog = null;
            }
            progress = Progress.create(mode, System.err, Duration.ofMillis(Math.max(0, node.progressIntervalMillis)));
            resources.add(progress);
            ready = true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (!ready) {
                close();
            }
        }
    }

    /** The chain source's tip as the sync loop last saw it (-1: not known yet). */
    long chainTip() {
        Sync current = sync;
        return current == null ? -1 : current.chainTip();
    }

    /** Guest memory committed by the indexer and the view instances. */
    long committedBytes() {
        return indexer.memoryStats().committedBytes() + (views == null ? 0 : views.committedBytes());
    }

    /** Adds a listener of the sync loop (e.g. snapshots), closed with the session (before the store). */
    void addListener(SyncListener listener, AutoCloseable resource) {
        extraListeners.add(listener);
        resources.add(resource);
    }

    /** Runs the sync loop until exit-at, the end of the files, or a stop signal. */
    long sync() throws InterruptedException {
        List<SyncListener> listeners = new ArrayList<>();
        listeners.add(progress);
        if (metrics != null) {
            listeners.add(metrics);
        }
        if (blockLog != null) {
            listeners.add(blockLog);
        }
        listeners.addAll(extraListeners);
        boolean first = sync == null;
        sync = new Sync(source, indexer, state, node.syncOptions(), SyncListener.all(listeners));
        if (metrics != null && first) {
            metrics.runningBlock(() -> {
                Sync current = sync;
                return current == null ? 0 : current.runningSeconds();
            });
        }
        installHook();
        if (stopRequested) {
            return 0;
        }
        return sync.run();
    }

    /** Whether a stop signal arrived. */
    boolean stopRequested() {
        return stopRequested;
    }

    /** Blocks until a stop signal (serve after its source is done). */
    void awaitStop() throws InterruptedException {
        installHook();
        while (!stopRequested) {
            Thread.sleep(200);
        }
    }

    private synchronized void installHook() {
        if (hook != null) {
            return;
        }
        hook = new Thread(
                () -> {
                    stopRequested = true;
                    Sync s = sync;
                    if (s != null) {
                        s.stop();
                    }
                    // Straight to stderr: java.util.logging resets its handlers in its own shutdown hook.
                    System.err.println("jshrew: stopping: finishing the current block");
                    try {
                        if (!closed.await(30, TimeUnit.SECONDS)) {
                            System.err.println(
                                    "jshrew: not stopped after 30 s; exiting anyway (the database stays consistent)");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "jshrew-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void close() {
        try {
            for (int i = resources.size() - 1; i >= 0; i--) {
                try {
                    resources.get(i).close();
                } catch (Exception e) {
                    LOG.log(
                            Level.WARNING,
                            "closing {0}: {1}",
                            resources.get(i).getClass().getSimpleName(),
                            e.toString());
                }
            }
        } finally {
            closed.countDown();
            if (hook != null && !stopRequested) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // shutting down already
                }
            }
        }
    }
}
