package dev.jshrew.storage.rocksdb;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import org.rocksdb.AbstractNativeReference;
import org.rocksdb.RocksDBException;

/**
 * The native objects of one store, released in reverse order of creation (RocksJava's rule: column family
 * handles before the database, the database before its options, options before the cache and filter they point
 * to). Not thread-safe: used by one thread while opening, and once while closing under the store's exclusive lock.
 */
final class NativeResources {
    /** A release step; the database's own can fail with a {@link RocksDBException}. */
    @FunctionalInterface
    interface Release {
        void run() throws RocksDBException;
    }

    private static final System.Logger LOG = System.getLogger(NativeResources.class.getName());

    private final Deque<Release> releases = new ArrayDeque<>();

    /** Takes ownership of {@code reference}: it is closed by {@link #releaseAll}. */
    <T extends AbstractNativeReference> T own(T reference) {
        releases.push(reference::close);
        return reference;
    }

    /** Adds a release step, run by {@link #releaseAll} before every step added earlier. */
    void onRelease(Release release) {
        releases.push(release);
    }

    /**
     * Runs every release step, newest first. Every step runs even if one fails.
     *
     * @throws RocksDBException the first failure, with later ones suppressed
     */
    void releaseAll() throws RocksDBException {
        RocksDBException first = null;
        while (!releases.isEmpty()) {
            try {
                releases.pop().run();
            } catch (RocksDBException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** {@link #releaseAll} after a failed open: the open failure is what the caller sees, so this only logs. */
    void releaseAfterFailedOpen(Path directory) {
        try {
            releaseAll();
        } catch (RocksDBException e) {
            LOG.log(System.Logger.Level.WARNING, "rocksdb store " + directory + ": releasing after a failed open", e);
        }
    }
}
