package dev.jshrew.node.sync;

import dev.jshrew.api.storage.ChainIndex;
import dev.jshrew.api.storage.KeyValueStore;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * What views may see of the chain: the indexed tip, and a gate that keeps a rollback from running under a view.
 *
 * <p>Commits need no gate: a commit only adds versions above the tip, so a view at a height at or below the tip it
 * resolved never changes (S-6, C-38). A rollback removes versions, so it waits for the views in flight and views
 * wait for it ({@link #read} holds the read lock, {@link #rollback} the write lock). Thread-safe.
 */
public final class ChainState {
    private final KeyValueStore store;
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);
    private volatile long blocksThisRun;

    public ChainState(KeyValueStore store) {
        this.store = store;
    }

    /** The chain index: tip, hashes, roots and metadata (reads; a rollback goes through {@link #rollback}). */
    public ChainIndex chain() {
        return store;
    }

    /** The indexed tip, -1 when nothing is indexed. */
    public long tip() {
        return store.tip().orElse(-1);
    }

    /**
     * What {@code "latest"} means (METASHREW-ABI §6.2): the next height to index minus one, saturating at 0, i.e. the
     * indexed tip (0 on an empty store).
     */
    public long latest() {
        return Math.max(0, tip());
    }

    /** Runs a read (a view, a preview, a root lookup) so that no rollback runs under it. */
    public <T> T read(Supplier<T> reader) {
        gate.readLock().lock();
        try {
            return reader.get();
        } finally {
            gate.readLock().unlock();
        }
    }

    /** Rolls the store back to {@code height} once no read is in flight; reads wait for it. */
    public void rollback(long height) {
        gate.writeLock().lock();
        try {
            store.rollbackTo(height);
        } finally {
            gate.writeLock().unlock();
        }
    }

    /** Blocks indexed by this process (for {@code metashrew_snapshot}). */
    public long blocksThisRun() {
        return blocksThisRun;
    }

    void countBlock() {
        blocksThisRun++;
    }
}
