package dev.jshrew.host.bitcoin;

import dev.jshrew.host.Hashes;

/** The parts of a serialized Bitcoin block header the host needs: its hash and its previous-block hash. */
public final class BlockHeader {
    /** Size of a serialized header. */
    public static final int SIZE = 80;

    private BlockHeader() {}

    /** Double SHA-256 of the first 80 bytes, byte-reversed: the display (RPC) order. */
    public static byte[] hash(byte[] block) {
        requireHeader(block);
        byte[] header = java.util.Arrays.copyOf(block, SIZE);
        return reverse(Hashes.sha256(Hashes.sha256(header)));
    }

    /** The header's previous-block hash in display order. */
    public static byte[] previousHash(byte[] block) {
        requireHeader(block);
        return reverse(java.util.Arrays.copyOfRange(block, 4, 36));
    }

    private static void requireHeader(byte[] block) {
        if (block.length < SIZE) {
            throw new IllegalArgumentException("a block needs an 80-byte header but has " + block.length + " bytes");
        }
    }

    static byte[] reverse(byte[] bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[bytes.length - 1 - i];
        }
        return out;
    }
}
