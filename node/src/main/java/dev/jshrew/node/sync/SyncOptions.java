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
 */
public record SyncOptions(
        long startBlock,
        OptionalLong exitAt,
        int maxReorgDepth,
        int pipelineSize,
        Duration pollInterval,
        Backoff backoff) {
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
    }

    /** Start 0, no exit, depth 100, 8 blocks ahead, 1 s polls, the default backoff. */
    public static SyncOptions defaults() {
        return new SyncOptions(0, OptionalLong.empty(), 100, 8, Duration.ofSeconds(1), Backoff.DEFAULT);
    }
}
