package dev.jshrew.host;

import dev.jshrew.api.storage.ChainIndex;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * jshrew's state commitment (METASHREW-ABI §5.5): {@code digest(H)} is SHA-256 over the block's writes sorted
 * by unsigned key bytes, each as {@code u32le(len(key)) ‖ key ‖ u32le(len(value)) ‖ value}; {@code root(H) =
 * SHA256(root(H-1) ‖ digest(H))} with 32 zero bytes before the first block.
 *
 * <p>The first height rule (C-44) lives here and only here: a store whose first indexed height is S > 0 has the
 * root of 32 zero bytes at S-1. The indexer records S with the first block ({@link #firstHeightMeta}) and chains
 * block roots by the rule ({@link #before}); the node's JSON-RPC answers by it ({@link #atOrBelow}).
 */
public final class StateRoot {
    /** The root before any block: 32 zero bytes. */
    public static final byte[] ZERO = new byte[32];
    /**
     * Store metadata: the first height indexed into the empty store (decimal ASCII), committed with that block;
     * root(first-1) is zero (C-44).
     */
    public static final String META_FIRST_HEIGHT = "node.first-height";

    private StateRoot() {}

    /** The digest of one block's writes; {@code writes} must be in unsigned key order. */
    public static byte[] digest(NavigableMap<byte[], byte[]> writes) {
        MessageDigest sha = Hashes.sha256();
        ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<byte[], byte[]> e : writes.entrySet()) {
            sha.update(len.clear().putInt(e.getKey().length).array());
            sha.update(e.getKey());
            sha.update(len.clear().putInt(e.getValue().length).array());
            sha.update(e.getValue());
        }
        return sha.digest();
    }

    /** The metadata value that records {@code height} as the store's first indexed height. */
    public static byte[] firstHeightMeta(long height) {
        return Long.toString(height).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The root at {@code height} or the nearest lower height; on a store whose first indexed height is S > 0 the
     * root of S-1 is 32 zero bytes (C-44). Empty when neither applies.
     */
    public static Optional<byte[]> atOrBelow(ChainIndex chain, long height) {
        Optional<byte[]> root = chain.stateRootAtOrBelow(height);
        if (root.isPresent()) {
            return root;
        }
        Optional<byte[]> first = chain.meta(META_FIRST_HEIGHT);
        if (first.isPresent()) {
            long firstHeight = Long.parseLong(new String(first.get(), StandardCharsets.US_ASCII));
            if (firstHeight > 0 && height >= firstHeight - 1) {
                return Optional.of(ZERO.clone());
            }
        }
        return Optional.empty();
    }

    /** The root block {@code height} chains from: the root of {@code height - 1} by {@link #atOrBelow}, else zero. */
    public static byte[] before(ChainIndex chain, long height) {
        return height == 0 ? ZERO : atOrBelow(chain, height - 1).orElse(ZERO);
    }

    /** {@code SHA256(previous ‖ digest)}. */
    public static byte[] next(byte[] previous, byte[] digest) {
        return Hashes.sha256(previous, digest);
    }
}
