package dev.jshrew.api.storage;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Everything that belongs to one height, committed as one atomic unit by {@link BlockWriter#commitBlock}.
 *
 * @param height the block height
 * @param writes final value per key written by the block, ordered by {@link #KEY_ORDER}
 * @param blockHash the block's hash in display byte order (32 bytes)
 * @param stateRoot the state root after this block (32 bytes)
 * @param meta metadata written with the block ({@link ChainIndex#meta}), e.g. the indexer's identity on the first
 *     block of a store; a name already stored is overwritten. Copied; no null names or values
 */
public record BlockCommit(
        long height,
        NavigableMap<byte[], byte[]> writes,
        byte[] blockHash,
        byte[] stateRoot,
        Map<String, byte[]> meta) {
    /** Unsigned lexicographic byte order: the order of dumps and digests. */
    public static final Comparator<byte[]> KEY_ORDER = Arrays::compareUnsigned;

    public BlockCommit {
        if (height < 0) {
            throw new IllegalArgumentException("negative height " + height);
        }
        Objects.requireNonNull(writes, "writes");
        Objects.requireNonNull(blockHash, "blockHash");
        Objects.requireNonNull(stateRoot, "stateRoot");
        if (stateRoot.length != 32) {
            throw new IllegalArgumentException("state root must be 32 bytes");
        }
        meta = Map.copyOf(Objects.requireNonNull(meta, "meta"));
    }

    /** A block that writes no metadata. */
    public BlockCommit(long height, NavigableMap<byte[], byte[]> writes, byte[] blockHash, byte[] stateRoot) {
        this(height, writes, blockHash, stateRoot, Map.of());
    }

    /** An empty map in {@link #KEY_ORDER}. */
    public static NavigableMap<byte[], byte[]> newWriteMap() {
        return new TreeMap<>(KEY_ORDER);
    }
}
