package dev.jshrew.node.sync;

import dev.jshrew.node.chain.Backoff;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Options of the sync loop (METASHREW-ABI §4, §8).
 *
 * @param startBlock {@code --start-block}: the first height on an empty store; on a store at tip N, indexing
 *     resumes at max(N+1, startBlock) (C-69)
 * @param exitAt {@code --exit-at E}: heights at or above E are never fetched; the loop returns once E-1 is indexed
 *     (or at once when the store is already there) (C-68)
 * @param maxReorgDepth how far below the tip a fork point is searched for before the node gives up
 * @param pipelineSize how many fetched blocks may wait for the indexer
 * @param pollInterval how often a caught-up node asks bitcoind for new blocks and checks its tip's hash
 * @param backoff the retry schedule for transient source failures and failed blocks
 * @param reorgCheckThreshold {@code --reorg-check-threshold N} (§4 detection A): how many of the most recent indexed
 *     blocks' hashes a caught-up node compares with bitcoind's on every poll; 0 turns the check off (a reorg is then
 *     found when the next block does not connect)
 */
public record SyncOptions(
        long startBlock,
        OptionalLong exitAt,
        int maxReorgDepth,
        int pipelineSize,
        Duration pollInterval,
        Backoff backoff,
        int reorgCheckThreshold) {
    /** rockshrew-mono's default {@code --reorg-check-threshold}. */
    public static final int DEFAULT_REORG_CHECK_THRESHOLD = 6;

    /** These options with the default reorg check threshold ({@value #DEFAULT_REORG_CHECK_THRESHOLD}). */
    public SyncOptions(
            long startBlock,
            OptionalLong exitAt,
            int maxReorgDepth,
            int pipelineSize,
            Duration pollInterval,
            Backoff backoff) {
        this(startBlock, exitAt, maxReorgDepth, pipelineSize, pollInterval, backoff, DEFAULT_REORG_CHECK_THRESHOLD);
    }

    public SyncOptions {
        if (startBlock < 0 || startBlock > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("--start-block must be a u32, not " + startBlock);
        }
        Objects.requireNonNull(exitAt, "exitAt");
        if (maxReorgDepth < 1) {
            throw new IllegalArgumentException("--max-reorg-depth must be at least 1");
        }
        if (pipelineSize < 1) {
            throw new IllegalArgumentException("--pipeline-size must be at least 1");
        }
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(backoff, "backoff");
        if (reorgCheckThreshold < 0) {
            throw new IllegalArgumentException(
                    "--reorg-check-threshold must be at least 0, not " + reorgCheckThreshold);
        }
    }

    /** These options with another {@code --reorg-check-threshold}. */
    public SyncOptions withReorgCheckThreshold(int threshold) {
        return new SyncOptions(startBlock, exitAt, maxReorgDepth, pipelineSize, pollInterval, backoff, threshold);
    }

    /** Start 0, no exit, depth 100, 8 blocks ahead, 1 s polls, the default backoff, 6 hashes checked per poll. */
    public static SyncOptions defaults() {
        return new SyncOptions(0, OptionalLong.empty(), 100, 8, Duration.ofSeconds(1), Backoff.DEFAULT);
    }
}
