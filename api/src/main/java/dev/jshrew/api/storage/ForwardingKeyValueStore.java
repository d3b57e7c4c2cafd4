package dev.jshrew.api.storage;

import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A {@link KeyValueStore} that forwards every call to another one: a wrapper overrides only what it changes (as
 * Guava's {@code ForwardingObject} family). Thread-safe as the delegate is.
 *
 * <p>{@link #readerAt} is the one call not forwarded: it reads through this object's {@link #get(byte[], long)}, so a
 * wrapper that changes {@code get} is seen by readers too. A wrapper that leaves {@code get} alone may forward it to
 * keep the delegate's faster reader.
 */
public abstract class ForwardingKeyValueStore implements KeyValueStore {
    private final KeyValueStore delegate;

    protected ForwardingKeyValueStore(KeyValueStore delegate) {
        this.delegate = java.util.Objects.requireNonNull(delegate, "delegate");
    }

    /** The store every call goes to. */
    protected final KeyValueStore delegate() {
        return delegate;
    }

    @Override
    public byte[] get(byte[] key, long height) {
        return delegate.get(key, height);
    }

    @Override
    public void commitBlock(BlockCommit commit) {
        delegate.commitBlock(commit);
    }

    @Override
    public void rollbackTo(long height) {
        delegate.rollbackTo(height);
    }

    @Override
    public OptionalLong tip() {
        return delegate.tip();
    }

    @Override
    public Optional<byte[]> blockHash(long height) {
        return delegate.blockHash(height);
    }

    @Override
    public Optional<byte[]> stateRoot(long height) {
        return delegate.stateRoot(height);
    }

    @Override
    public Optional<byte[]> stateRootAtOrBelow(long height) {
        return delegate.stateRootAtOrBelow(height);
    }

    @Override
    public NavigableMap<byte[], byte[]> blockWrites(long height) {
        return delegate.blockWrites(height);
    }

    @Override
    public Optional<byte[]> meta(String name) {
        return delegate.meta(name);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public boolean forEachKey(java.util.function.Consumer<byte[]> action) {
        return delegate.forEachKey(action);
    }
}
