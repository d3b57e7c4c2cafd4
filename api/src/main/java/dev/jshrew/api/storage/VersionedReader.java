package dev.jshrew.api.storage;

/**
 * Versioned reads: each key maps to versions {@code (height, value)}; a read at height {@code h} returns the newest
 * version at or below {@code h}. An empty value reads the same as a missing key. Keys and values are arbitrary bytes
 * (including empty keys). What a guest's {@code __get} reads, in blocks and in views.
 *
 * <p>Thread-safe: reads run concurrently with each other and with the {@link BlockWriter}. A read at a height at or
 * below the committed tip never changes while later blocks commit (a commit only adds versions above the tip); only
 * a {@link BlockWriter#rollbackTo rollback} changes it, so callers that must not see one keep it from running.
 */
@FunctionalInterface
public interface VersionedReader {
    /**
     * The value of {@code key} as of {@code height}: the newest version at or below it, or an empty array (also for
     * a negative height). Never null.
     */
    byte[] get(byte[] key, long height);

    /**
     * A reader for many reads at {@code height} by one thread (one block's or one view's call), giving the same
     * values as {@link #get(byte[], long)}. A read through it may also see the store as of the reader's creation for
     * the whole call, even across a concurrent {@link BlockWriter#rollbackTo rollback}. The default reads through
     * {@link #get(byte[], long)} and holds nothing.
     */
    default HeightReader readerAt(long height) {
        return new HeightReader() {
            private boolean closed;

            @Override
            public byte[] get(byte[] key) {
                if (closed) {
                    throw new IllegalStateException("the reader at height " + height + " is closed");
                }
                return VersionedReader.this.get(key, height);
            }

            @Override
            public void close() {
                closed = true;
            }
        };
    }
}
