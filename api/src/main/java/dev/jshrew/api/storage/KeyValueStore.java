package dev.jshrew.api.storage;

import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A height-versioned key-value store: each key maps to versions {@code (height, value)}; a read at height
 * {@code h} returns the newest version at or below {@code h}. An empty value reads the same as a missing key.
 * Keys and values are arbitrary bytes (including empty keys). Thread-safe; one writer at a time.
 */
public interface KeyValueStore extends AutoCloseable {
    /** The highest committed block height, empty for a store that has none. */
    OptionalLong tip();

    /** The value of {@code key} as of {@code height}: the newest version at or below it, or an empty array. */
    byte[] get(byte[] key, long height);

    /**
     * Atomically commits one block: its writes as versions at {@code commit.height()}, its hash, its state root,
     * and the new tip. Either all of it is durable or none of it is.
     *
     * @throws IllegalArgumentException when {@code commit.height()} is not above the tip (roll back first)
     */
    void commitBlock(BlockCommit commit);

    /** The stored hash of the block at {@code height} (display byte order), if that height is committed. */
    Optional<byte[]> blockHash(long height);

    /** The state root stored for exactly {@code height}. */
    Optional<byte[]> stateRoot(long height);

    /** The state root at {@code height} or, failing that, the nearest lower height that has one. */
    Optional<byte[]> stateRootAtOrBelow(long height);

    /** The pairs written by the block at {@code height} (final value per key), sorted by unsigned key bytes. */
    NavigableMap<byte[], byte[]> blockWrites(long height);

    /**
     * Atomically removes everything above {@code height}: every version written by a later block, their hashes
     * and roots; the tip becomes the highest committed height not above {@code height} (or none). No key-count
     * limit. Does nothing when {@code height} is at or above the tip.
     */
    void rollbackTo(long height);

    /** A metadata value (e.g. the indexer's identity), stored outside the versioned key space. */
    Optional<byte[]> meta(String name);

    /** Sets a metadata value durably. */
    void putMeta(String name, byte[] value);

    @Override
    void close();
}
