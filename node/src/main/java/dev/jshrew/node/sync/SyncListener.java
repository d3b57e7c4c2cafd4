package dev.jshrew.node.sync;

import dev.jshrew.host.BlockResult;
import java.time.Duration;
import java.util.List;

/**
 * What the sync loop reports, for progress displays and metrics. Called on the indexing thread, except {@link
 * #indexed} with overlapped commits ({@code --commit-overlap on}), which the indexer's committer thread calls right
 * after the block's commit; calls never overlap and each happens before the next. Must be quick.
 */
public interface SyncListener {
    /** Indexing starts at {@code from}; {@code remaining} blocks are known to be waiting (-1: unknown). */
    default void starting(long from, long remaining) {}

    /**
     * A block was committed, and the next block's commit has not begun (the store's tip is this block); {@code
     * remaining} blocks are known to be waiting after it.
     */
    default void indexed(BlockResult result, long remaining) {}

    /** A reorg was handled: the store was rolled back from {@code tip} to {@code forkPoint}. */
    default void reorg(long tip, long forkPoint) {}

    /** A block failed and will be fetched and run again after {@code retryIn}. */
    default void blockFailed(long height, RuntimeException error, Duration retryIn) {}

    /** The sync loop stopped (exit-at reached, the files are done, or it was stopped). */
    default void finished(long tip) {}

    /** All of them, in order. */
    static SyncListener all(List<SyncListener> listeners) {
        List<SyncListener> copy = List.copyOf(listeners);
        return new SyncListener() {
            @Override
            public void starting(long from, long remaining) {
                copy.forEach(l -> l.starting(from, remaining));
            }

            @Override
            public void indexed(BlockResult result, long remaining) {
                copy.forEach(l -> l.indexed(result, remaining));
            }

            @Override
            public void reorg(long tip, long forkPoint) {
                copy.forEach(l -> l.reorg(tip, forkPoint));
            }

            @Override
            public void blockFailed(long height, RuntimeException error, Duration retryIn) {
                copy.forEach(l -> l.blockFailed(height, error, retryIn));
            }

            @Override
            public void finished(long tip) {
                copy.forEach(l -> l.finished(tip));
            }
        };
    }
}
