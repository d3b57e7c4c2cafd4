package dev.jshrew.cli;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.memory.MemorySize;
import dev.jshrew.node.rpc.JsonRpc;
import dev.jshrew.node.rpc.RpcServer;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
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

    @Option(
            names = "--host",
            paramLabel = "HOST",
            defaultValue = "127.0.0.1",
            description = "JSON-RPC (and metrics) bind address (default 127.0.0.1)")
    String host;

    @Option(
            names = "--port",
            paramLabel = "PORT",
            defaultValue = "8080",
            description = "JSON-RPC port (default 8080; 0: any free port, logged)")
    int port;

    @Option(
            names = "--view-workers",
            paramLabel = "N",
            defaultValue = "2",
            description = "view instances, i.e. views and previews that run at once (default 2); each "
                    + "commits --memory-commit")
    int viewWorkers;

    @Option(
            names = "--view-timeout",
            paramLabel = "DURATION",
            defaultValue = "60s",
            description = "longest a view (or each stage of a preview) may run before it fails with "
                    + "an error, freeing its worker (default 60s; 0: no limit). Indexing never times out")
    String viewTimeout;

    @Option(
            names = "--max-request-size",
            paramLabel = "SIZE",
            defaultValue = "32m",
            description = "largest JSON-RPC request body (default 32m: a preview of a 4 MB block is 8 MB of hex)")
    String maxRequestSize;

    @Option(
            names = "--rpc-threads",
            paramLabel = "N",
            defaultValue = "16",
            description = "HTTP worker threads (default 16)")
    int rpcThreads;

    @Override
    public Integer call() throws Exception {
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
        args.viewTimeout = EngineArgs.parseTimeout("--view-timeout", viewTimeout);
        try (NodeSession session = new NodeSession(args, node, viewWorkers, host)) {
            JsonRpc rpc = new JsonRpc(session.state, session.views, (method, ok) -> {
                if (session.metrics != null) {
                    session.metrics.rpcCall(method, ok);
                }
            });
            try (RpcServer _ = startServer(rpc, (int) maxBody)) {
                session.sync();
                if (node.exitAt == null && !session.stopRequested()) {
                    LOG.log(Level.INFO, "the block source is done; serving until stopped");
                    session.awaitStop();
                }
            }
        }
        return 0;
    }

    private RpcServer startServer(JsonRpc rpc, int maxBody) {
        try {
            return new RpcServer(host, port, rpc, maxBody, rpcThreads);
        } catch (java.io.IOException e) {
            throw new JshrewException(
                    ErrorCode.INPUT, "cannot serve JSON-RPC on " + host + ":" + port + ": " + e.getMessage(), e);
        } catch (Exception e) {
            throw new JshrewException(
                    ErrorCode.INPUT, "cannot start the JSON-RPC server on " + host + ":" + port + ": " + e, e);
        }
    }
}
