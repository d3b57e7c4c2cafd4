package dev.jshrew.api.storage;

/**
 * A height-versioned key-value store as a {@link StorageProvider} opens it: all three roles ({@link VersionedReader},
 * {@link ChainIndex}, {@link BlockWriter}) over one database, and its owner closes it. Callers other than the owner
 * depend on the narrowest role they use: views only read versions, the node's chain checks read the chain index,
 * the indexer reads and writes blocks.
 *
 * <p>Thread-safe; one writer at a time (see {@link BlockWriter}). {@link #close()} is idempotent; any other call
 * after it throws {@link IllegalStateException}.
 */
public interface KeyValueStore extends VersionedReader, ChainIndex, BlockWriter, AutoCloseable {
    /**
     * Passes every key that has a value at the tip to {@code action}, each once, in no particular order (a key
     * rolled back may be passed too), and returns true; or returns false at once when this store cannot list its keys.
     * For a {@link dev.jshrew.api.engine.KeyFilter}: reading, it changes nothing.
     */
    default boolean forEachKey(java.util.function.Consumer<byte[]> action) {
        return false;
    }

    /** Releases the store; it does not throw checked exceptions (narrows {@link AutoCloseable#close()}). */
    @Override
    void close();
}
