package dev.jshrew.host;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.Map;
import java.util.NavigableMap;

/**
 * jshrew's state commitment (METASHREW-ABI §5.5): {@code digest(H)} is SHA-256 over the block's writes sorted
 * by unsigned key bytes, each as {@code u32le(len(key)) ‖ key ‖ u32le(len(value)) ‖ value}; {@code root(H) =
 * SHA256(root(H-1) ‖ digest(H))} with 32 zero bytes before the first block.
 */
public final class StateRoot {
    /** The root before any block: 32 zero bytes. */
    public static final byte[] ZERO = new byte[32];

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

    /** {@code SHA256(previous ‖ digest)}. */
    public static byte[] next(byte[] previous, byte[] digest) {
        return Hashes.sha256(previous, digest);
    }
}
