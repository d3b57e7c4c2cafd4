package dev.jshrew.storage.rocksdb;

import dev.jshrew.api.storage.FollowingStore;
import dev.jshrew.api.storage.ForwardingKeyValueStore;
import dev.jshrew.api.storage.HeightReader;
import java.util.OptionalLong;

/**
 * A {@link FollowingStore} over a RocksDB secondary instance: a read-only {@link RocksDbStore} whose {@link #catchUp}
 * runs {@code tryCatchUpWithPrimary}. What RocksDB reads from the primary's directory (MANIFEST, WAL, table files)
 * it only reads; its own info log and MANIFEST copy go to the follower's directory. Thread-safe, as the store.
 */
final class RocksDbFollower extends ForwardingKeyValueStore implements FollowingStore {
    private final RocksDbStore store;

    RocksDbFollower(RocksDbStore store) {
        super(store);
        this.store = store;
    }

    @Override
    public OptionalLong catchUp() {
        return store.catchUpWithPrimary();
    }

    @Override
    public HeightReader readerAt(long height) {
        return store.readerAt(height);
    }
}
