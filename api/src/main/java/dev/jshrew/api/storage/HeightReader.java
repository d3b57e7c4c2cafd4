package dev.jshrew.api.storage;

/**
 * Many reads at one height, by one thread: what one block's or one view's call reads through. It returns what
 * {@link VersionedReader#get(byte[], long) get(key, height)} returns for every key; a store may hold native resources
 * for it (RocksDB keeps one iterator for all the reads instead of creating one per read), so close it when the call
 * ends. Not thread-safe. After {@link #close()} or after its store closes, {@link #get} throws
 * {@link IllegalStateException}.
 */
public interface HeightReader extends AutoCloseable {
    /** The value of {@code key} at this reader's height, or an empty array when missing. Never null. */
    byte[] get(byte[] key);

    /** Releases what the reader holds; idempotent, and it does not throw checked exceptions. */
    @Override
    void close();
}
