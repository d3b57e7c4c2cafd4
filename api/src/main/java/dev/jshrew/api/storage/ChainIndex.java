package dev.jshrew.api.storage;

import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the store knows per committed height: the tip, each block's hash, state root and writes, and the metadata
 * committed with the blocks. Read by the node (chain checks, reorgs, JSON-RPC), {@code dump} and {@code diff}.
 *
 * <p>Thread-safe: reads run concurrently with each other and with the {@link BlockWriter}. Each answer reflects
 * whole blocks: a commit or rollback becomes visible all at once, never in part. A negative height has nothing.
 */
public interface ChainIndex {
    /** The highest committed block height, empty for a store that has none. */
    OptionalLong tip();

    /** The stored hash of the block at {@code height} (display byte order), if that height is committed. */
    Optional<byte[]> blockHash(long height);

    /** The state root stored for exactly {@code height}. */
    Optional<byte[]> stateRoot(long height);

    /** The state root at {@code height} or, failing that, the nearest lower height that has one. */
    Optional<byte[]> stateRootAtOrBelow(long height);

    /** The pairs written by the block at {@code height} (final value per key), sorted by unsigned key bytes. */
    NavigableMap<byte[], byte[]> blockWrites(long height);

    /**
     * A metadata value (e.g. the indexer's identity), stored outside the versioned key space; written only as part
     * of a block's commit ({@link BlockCommit#meta()}) and kept by rollbacks.
     */
    Optional<byte[]> meta(String name);
}
