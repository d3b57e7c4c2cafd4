package dev.jshrew.storage.rocksdb;

import dev.jshrew.api.storage.BlockCommit;
import dev.jshrew.api.storage.FollowingStore;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A {@link FollowingStore} over a RocksDB secondary instance: a read-only {@link RocksDbStore} whose {@link #catchUp}
 * runs {@code tryCatchUpWithPrimary}. What RocksDB reads from the primary's directory (MANIFEST, WAL, table files)
 * it only reads; its own info log and MANIFEST copy go to the follower's directory. Thread-safe, as the store.
 */
final class RocksDbFollower implements FollowingStore {
    private final RocksDbStore store;

    RocksDbFollower(RocksDbStore store) {
        this.store = store;
    }

    @Override
    public OptionalLong catchUp() {
        return store.catchUpWithPrimary();
    }

    @Override
    public OptionalLong tip() {
        return store.tip();
    }

    @Override
    public byte[] get(byte[] key, long height) {
        return store.get(key, height);
    }

    @Override
    public Optional<byte[]> blockHash(long height) {
        return store.blockHash(height);
    }

    @Override
    public Optional<byte[]> stateRoot(long height) {
        return store.stateRoot(height);
    }

    @Override
    public Optional<byte[]> stateRootAtOrBelow(long height) {
        return store.stateRootAtOrBelow(height);
    }

    @Override
    public NavigableMap<byte[], byte[]> blockWrites(long height) {
        return store.blockWrites(height);
    }

    @Override
    public Optional<byte[]> meta(String name) {
        return store.meta(name);
    }

    @Override
    public void commitBlock(BlockCommit commit) {
        store.commitBlock(commit);
    }

    @Override
    public void rollbackTo(long height) {
        store.rollbackTo(height);
    }

    @Override
    public void close() {
        store.close();
    }
}
