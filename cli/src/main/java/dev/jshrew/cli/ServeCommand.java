package dev.jshrew.cli;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.memory.MemorySize;
import dev.jshrew.node.metrics.NodeMetrics;
import dev.jshrew.node.rpc.Cors;
import dev.jshrew.node.rpc.JsonRpc;
import dev.jshrew.node.rpc.RpcServer;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "serve",
        description = {
            "Index and serve at the same time (rockshrew-mono): follow bitcoind "
                    + "(--daemon-rpc-url) or index block files (--blocks),",
            "and answer metashrew's JSON-RPC (metashrew_view, _preview, _height, _getblockhash, "
                    + "_stateroot, _snapshot) over HTTP.",
            "Views run on their own instances (--view-workers), never on the indexing one. "
                    + "Stops at --exit-at or on SIGTERM."
        })
final class ServeCommand implements Callable<Integer> {
    private static final Logger LOG = System.getLogger("jshrew.serve");

    @Mixin
    EngineArgs args;

    @Mixin
    NodeArgs node;

    @Mixin
    MonoCompatArgs mono;

    @Mixin
    UpgradeArgs upgrade;

    @Mixin
    SnapshotArgs snapshots;

    @Option(
            names = "--host",
            paramLabel = "HOST",
            defaultValue = "${env:HOST:-127.0.0.1}",
            description = "JSON-RPC (and metrics) bind address (default ${DEFAULT-VALUE}); the environment variable "
                    + "HOST sets the default, as for rockshrew-mono")
    String host;

    @Option(
            names = "--port",
            paramLabel = "PORT",
            defaultValue = "${env:PORT:-8080}",
            description = "JSON-RPC port (default ${DEFAULT-VALUE}; the environment variable PORT sets the default; "
                    + "0: any free port, logged)")
    int port;

    @Option(
            names = "--cors",
            paramLabel = "*|ORIGINS",
            defaultValue = Cors.DEFAULT_ORIGIN,
            description = "browser origins allowed to call the JSON-RPC (CORS): * for any, or a comma-separated "
                    + "list (default " + Cors.DEFAULT_ORIGIN + ", as rockshrew-mono)")
    String cors;

    @Option(
            names = "--view-workers",
            paramLabel = "N",
            defaultValue = "2",
            description = "view instances, i.e. views and previews that run at once (default ${DEFAULT-VALUE}); each "
                    + "commits --view-memory")
    int viewWorkers;

    @Option(
            names = "--view-memory",
            paramLabel = "SIZE|off",
            defaultValue = "512m",
            description = "guest memory each view instance may use and commits (at most --memory-commit; default"
                    + " ${DEFAULT-VALUE}); a view that needs more fails with an error naming this option. off: "
                    + "views commit"
                    + " --memory-commit and may use the guest memory limit")
    String viewMemory;

    @Option(
            names = "--view-timeout",
            paramLabel = "DURATION",
            defaultValue = "60s",
            description = "longest a view (or each stage of a preview) may run before it fails with "
                    + "an error, freeing its worker (default ${DEFAULT-VALUE}; 0: no limit). Indexing never times out")
    String viewTimeout;

    @Option(
            names = "--max-request-size",
            paramLabel = "SIZE",
            defaultValue = "32m",
            description = "largest JSON-RPC request body (default ${DEFAULT-VALUE}; a preview of a 4 MB block is 8 "
                    + "MB of hex)")
    String maxRequestSize;

    @Option(
            names = "--max-batch-size",
            paramLabel = "N",
            defaultValue = "" + JsonRpc.Limits.DEFAULT_MAX_BATCH_SIZE,
            description = "most requests in one JSON-RPC batch (default ${DEFAULT-VALUE});"
                    + " a larger batch is one -32600 error")
    int maxBatchSize;

    @Option(
            names = "--request-read-timeout",
            paramLabel = "DURATION",
            defaultValue = "30s",
            description = "longest a request body may take to arrive (default ${DEFAULT-VALUE});"
                    + " a slower one gets -32600 and its connection is closed")
    String requestReadTimeout;

    @Option(
            names = "--max-connections-per-address",
            paramLabel = "N",
            defaultValue = "" + RpcServer.Limits.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
            description = "JSON-RPC connections one client address may hold open at once (default ${DEFAULT-VALUE});"
                    + " more are closed at once")
    int maxConnectionsPerAddress;

    @Option(
            names = "--rpc-threads",
            paramLabel = "N",
            defaultValue = "16",
            description = "HTTP worker threads (default ${DEFAULT-VALUE})")
    int rpcThreads;

    @Option(
            names = "--replica-of",
            paramLabel = "DIR",
            description = "serve views as a read replica of the database DIR another serve/index writes on this "
                    + "host: never index, follow it (a RocksDB secondary instance; --db is the replica's own "
                    + "directory). --daemon-rpc-url, --blocks and --upgrade-indexer-at are refused with it")
    java.nio.file.Path replicaOf;

    @Option(
            names = "--replica-interval",
            paramLabel = "DURATION",
            defaultValue = "1s",
            description = "with --replica-of: how often the replica catches up with the primary "
                    + "(default ${DEFAULT-VALUE})")
    String replicaInterval;

    @Override
    public Integer call() throws Exception {
        mono.refuseUnsupported();
        Cors allowed;
        try {
            allowed = Cors.parse(cors);
        } catch (IllegalArgumentException e) {
            throw new JshrewException(ErrorCode.INPUT, e.getMessage(), e);
        }
        if (viewWorkers < 1 || viewWorkers > 256) {
            throw new JshrewException(ErrorCode.INPUT, "--view-workers must be 1…256, not " + viewWorkers);
        }
        long maxBody;
        try {
            maxBody = MemorySize.parse(maxRequestSize);
        } catch (IllegalArgumentException e) {
            throw new JshrewException(ErrorCode.INPUT, "--max-request-size: " + e.getMessage(), e);
        }
        if (maxBody < 1024 || maxBody > Integer.MAX_VALUE - 16) {
            throw new JshrewException(ErrorCode.INPUT, "--max-request-size must be 1k…2g");
        }
        if (maxBatchSize < 1) {
            throw new JshrewException(ErrorCode.INPUT, "--max-batch-size must be at least 1, not " + maxBatchSize);
        }
        if (maxConnectionsPerAddress < 1) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    "--max-connections-per-address must be at least 1, not " + maxConnectionsPerAddress);
        }
        if (rpcThreads < 1 || rpcThreads > 1024) {
            throw new JshrewException(ErrorCode.INPUT, "--rpc-threads must be 1…1024, not " + rpcThreads);
        }
        Duration readTimeout = EngineArgs.parseTimeout("--request-read-timeout", requestReadTimeout);
        if (readTimeout.isZero()) {
            throw new JshrewException(ErrorCode.INPUT, "--request-read-timeout must be more than 0");
        }
        args.viewTimeout = EngineArgs.parseTimeout("--view-timeout", viewTimeout);
        args.viewMemory = EngineArgs.parseViewMemory(viewMemory);
        JsonRpc.Limits rpcLimits = new JsonRpc.Limits((int) maxBody, maxBatchSize);
        RpcServer.Limits limits = new RpcServer.Limits(
                (int) maxBody,
                rpcThreads,
                readTimeout,
                RpcServer.Limits.DEFAULT_IDLE_TIMEOUT,
                maxConnectionsPerAddress);
        if (replicaOf != null) {
            return serveReplica(rpcLimits, limits, allowed);
        }
        snapshots.bootstrap(args.db);
        try (NodeSession session = new NodeSession(args, node, upgrade, viewWorkers, host)) {
            var schedule = snapshots.schedule(session.store);
            if (schedule != null) {
                session.addListener(schedule, schedule);
            }
            JsonRpc rpc = new JsonRpc(
                    session.state,
                    session.views,
                    (JsonRpc.Observer) (method, ok, nanos) -> {
                        if (session.metrics != null) {
                            session.metrics.rpcCall(method, ok, nanos);
                        }
                    },
                    rpcLimits);
            try (RpcServer _ = startServer(rpc, limits, allowed)) {
                session.sync();
                if (node.exitAt == null && !session.stopRequested()) {
                    LOG.log(Level.INFO, "the block source is done; serving until stopped");
                    session.awaitStop();
                }
            }
        }
        return 0;
    }

    /** {@code --replica-of}: views over a follower of the primary's database, until SIGTERM. */
    private int serveReplica(JsonRpc.Limits rpcLimits, RpcServer.Limits limits, Cors allowed)
            throws InterruptedException {
        if (node.blocks != null && !node.blocks.isEmpty() || node.daemonRpcUrl != null) {
            throw new JshrewException(
                    ErrorCode.INPUT, "--replica-of serves views only: --daemon-rpc-url and --blocks are not allowed");
        }
        if (upgrade.upgradeAt != null) {
            throw new JshrewException(ErrorCode.INPUT, "--replica-of: --upgrade-indexer-at belongs to the primary");
        }
        if (node.readyMaxLag < 0) {
            throw new JshrewException(ErrorCode.INPUT, "--ready-max-lag must be 0 or more, not " + node.readyMaxLag);
        }
        Duration interval = EngineArgs.parseTimeout("--replica-interval", replicaInterval);
        if (interval.isZero()) {
            throw new JshrewException(ErrorCode.INPUT, "--replica-interval must be more than 0");
        }
        java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    stop.countDown();
                    System.err.println("jshrew: stopping the replica");
                    try {
                        closed.await(30, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "jshrew-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (Replica replica = new Replica(args, replicaOf, interval, viewWorkers)) {
            if (node.metricsPort != null) {
                try {
                    replica.serveMetrics(host, node.metricsPort, node.readyMaxLag);
                } catch (java.io.IOException e) {
                    throw new JshrewException(
                            ErrorCode.INPUT, "cannot serve metrics on " + host + ":" + node.metricsPort, e);
                }
            }
            JsonRpc rpc = new JsonRpc(
                    replica.state,
                    replica.views,
                    (JsonRpc.Observer) (method, ok, nanos) -> {
                        NodeMetrics m = replica.metrics();
                        if (m != null) {
                            m.rpcCall(method, ok, nanos);
                        }
                    },
                    rpcLimits);
            try (RpcServer _ = startServer(rpc, limits, allowed)) {
                stop.await();
            }
        } finally {
            closed.countDown();
        }
        return 0;
    }

    private RpcServer startServer(JsonRpc rpc, RpcServer.Limits limits, Cors allowed) {
        try {
            return new RpcServer(host, port, rpc, limits, allowed, snapshots.snapshotDirectory);
        } catch (java.io.IOException e) {
            throw new JshrewException(
                    ErrorCode.INPUT, "cannot serve JSON-RPC on " + host + ":" + port + ": " + e.getMessage(), e);
        } catch (Exception e) {
            throw new JshrewException(
                    ErrorCode.INPUT, "cannot start the JSON-RPC server on " + host + ":" + port + ": " + e, e);
        }
    }
}
