package dev.jshrew.cli;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.node.chain.Backoff;
import dev.jshrew.node.chain.BitcoindAuth;
import dev.jshrew.node.chain.BitcoindClient;
import dev.jshrew.node.chain.ChainSource;
import dev.jshrew.node.progress.Progress;
import dev.jshrew.node.sync.SyncOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import picocli.CommandLine.Option;

/** Where blocks come from and how the node follows them: the options {@code index} and {@code serve} share. */
final class NodeArgs {
    @Option(
            names = "--blocks",
            paramLabel = "PATH",
            description =
                    "a block file (hex or raw; height = last digits of its name) or a directory of them; repeatable")
    List<Path> blocks;

    @Option(
            names = "--daemon-rpc-url",
            paramLabel = "URL",
            description = "follow bitcoind over JSON-RPC (http://HOST:PORT), instead of --blocks")
    URI daemonRpcUrl;

    @Option(
            names = "--auth",
            paramLabel = "USER:PASS",
            description = "bitcoind credentials: USER:PASS for basic auth, a value without ':' for a bearer token "
                    + "(rockshrew-mono's sshfs://HOST:PATH is not supported: use --rpc-cookie-file)")
    String auth;

    @Option(
            names = "--rpc-cookie-file",
            paramLabel = "FILE",
            description = "bitcoind's .cookie file (re-read on every request), instead of --auth")
    Path cookieFile;

    @Option(
            names = "--start-block",
            paramLabel = "H",
            defaultValue = "0",
            description = "first height on an empty database; a higher value than the indexed tip + 1 skips ahead "
                    + "(default ${DEFAULT-VALUE})")
    long startBlock;

    @Option(names = "--exit-at", paramLabel = "H", description = "index only heights below H, then exit")
    Long exitAt;

    @Option(
            names = "--max-reorg-depth",
            paramLabel = "N",
            defaultValue = "100",
            description = "how deep a fork point is searched for before the node stops with an error (default "
                    + "${DEFAULT-VALUE})")
    int maxReorgDepth;

    @Option(
            names = "--reorg-check-threshold",
            paramLabel = "N",
            defaultValue = "" + SyncOptions.DEFAULT_REORG_CHECK_THRESHOLD,
            description = "how many of the most recent indexed blocks' hashes a caught-up node compares with "
                    + "bitcoind's on every poll (default ${DEFAULT-VALUE}; 0: no check)")
    int reorgCheckThreshold;

    /** {@code --pipeline-size auto}: the number of blocks fetched ahead. */
    static final int AUTO_PIPELINE_SIZE = 8;

    @Option(
            names = "--pipeline-size",
            paramLabel = "N|auto",
            defaultValue = "auto",
            description = "blocks fetched ahead of the indexer (default ${DEFAULT-VALUE}; auto = " + ""
                    + AUTO_PIPELINE_SIZE + ")")
    String pipelineSize;

    @Option(
            names = "--poll-interval-ms",
            paramLabel = "MS",
            defaultValue = "1000",
            description = "how often a caught-up node polls bitcoind (default ${DEFAULT-VALUE})")
    long pollMillis;

    @Option(
            names = "--retry-initial-delay-ms",
            paramLabel = "MS",
            defaultValue = "1000",
            description = "first retry delay after a bitcoind failure; doubles up to 16x (default ${DEFAULT-VALUE}; "
                    + "1000: 1, 2, 4, 8, 16 s)")
    long retryMillis;

    @Option(
            names = "--progress",
            paramLabel = "auto|bar|log|off",
            defaultValue = "auto",
            description =
                    "progress display: a bar on a terminal (auto), log lines otherwise (default ${DEFAULT-VALUE})")
    String progress;

    @Option(
            names = "--progress-interval-ms",
            paramLabel = "MS",
            defaultValue = "10000",
            description = "how often the log-line progress display reports (default ${DEFAULT-VALUE})")
    long progressIntervalMillis;

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            description = "serve Prometheus metrics at http://HOST:PORT/metrics, and /healthz and /readyz"
                    + " (0: any free port)")
    Integer metricsPort;

    @Option(
            names = "--ready-max-lag",
            paramLabel = "N",
            defaultValue = "2",
            description = "/readyz answers 200 once the indexed tip is at most N blocks below the chain's tip"
                    + " (default 2)")
    long readyMaxLag;

    @Option(
            names = "--commit-overlap",
            paramLabel = "on|off",
            defaultValue = "on",
            description = "write each block's commit while the next block runs; the indexed tip still advances only "
                    + "once a block is durable (default ${DEFAULT-VALUE}; off: one block at a time)")
    String commitOverlap;

    /** {@code --commit-overlap}. */
    boolean overlapCommits() {
        return switch (commitOverlap) {
            case "on" -> true;
            case "off" -> false;
            default ->
                throw new JshrewException(
                        ErrorCode.INPUT, "--commit-overlap must be on or off, not '" + commitOverlap + "'");
        };
    }

    @Option(
            names = "--block-log",
            paramLabel = "FILE",
            description = "append one JSON line per committed block (height, hash, state root, run/reset/commit "
                    + "nanoseconds) and per reorg to FILE")
    java.nio.file.Path blockLog;

    ChainSource source() {
        boolean files = blocks != null && !blocks.isEmpty();
        if (files == (daemonRpcUrl != null)) {
            throw new JshrewException(
                    ErrorCode.INPUT, "give exactly one block source: --blocks PATH or --daemon-rpc-url URL");
        }
        if (files) {
            if (auth != null || cookieFile != null) {
                throw new JshrewException(ErrorCode.INPUT, "--auth and --rpc-cookie-file go with --daemon-rpc-url");
            }
            return new BlockFilesSource(blocks);
        }
        try {
            return new BitcoindClient(daemonRpcUrl, BitcoindAuth.of(auth, cookieFile, daemonRpcUrl));
        } catch (IllegalArgumentException e) {
            throw new JshrewException(ErrorCode.INPUT, e.getMessage(), e);
        }
    }

    SyncOptions syncOptions() {
        if (exitAt != null && (exitAt < 0 || exitAt > 0x1_0000_0000L)) {
            throw new JshrewException(ErrorCode.INPUT, "--exit-at must be 0…2^32, not " + exitAt);
        }
        if (pollMillis < 1 || retryMillis < 1) {
            throw new JshrewException(
                    ErrorCode.INPUT, "--poll-interval-ms and --retry-initial-delay-ms must be positive");
        }
        try {
            return new SyncOptions(
                    startBlock,
                    exitAt == null ? OptionalLong.empty() : OptionalLong.of(exitAt),
                    maxReorgDepth,
                    pipelineSize(),
                    Duration.ofMillis(pollMillis),
                    Backoff.startingAt(Duration.ofMillis(retryMillis)),
                    reorgCheckThreshold);
        } catch (IllegalArgumentException e) {
            throw new JshrewException(ErrorCode.INPUT, e.getMessage(), e);
        }
    }

    int pipelineSize() {
        if (pipelineSize.strip().equalsIgnoreCase("auto")) {
            return AUTO_PIPELINE_SIZE;
        }
        try {
            return Integer.parseInt(pipelineSize.strip());
        } catch (NumberFormatException e) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    "--pipeline-size must be auto or a number of blocks, not '" + pipelineSize + "'",
                    e);
        }
    }

    Progress.Mode progressMode() {
        try {
            return Progress.Mode.valueOf(progress.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new JshrewException(
                    ErrorCode.INPUT, "--progress must be auto, bar, log or off, not '" + progress + "'", e);
        }
    }
}
