package dev.jshrew.devnet.consensus;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 and Bitcoin's double SHA-256, and the display (byte-reversed hex) form of hashes. Thread-safe. */
public final class Hash256 {
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    });

    private Hash256() {}

    public static byte[] sha256(byte[] data) {
        return SHA256.get().digest(data);
    }

    /** {@code SHA256(SHA256(data))}, in internal byte order. */
    public static byte[] sha256d(byte[] data) {
        MessageDigest md = SHA256.get();
        return md.digest(md.digest(data));
    }

    /** {@code SHA256(SHA256(a ‖ b))}. */
    public static byte[] sha256d(byte[] a, byte[] b) {
        MessageDigest md = SHA256.get();
        md.update(a);
        md.update(b);
        return md.digest(md.digest());
    }

    /** A copy with the bytes in reverse order (internal ↔ display order). */
    public static byte[] reversed(byte[] b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[b.length - 1 - i];
        }
        return out;
    }

    /** The display form of an internal-order hash: reversed, lowercase hex (as bitcoind prints it). */
    public static String display(byte[] internal) {
        return HexFormat.of().formatHex(reversed(internal));
    }

    /** The internal-order hash of a display form; {@link IllegalArgumentException} if not 64 hex digits. */
    public static byte[] fromDisplay(String hex) {
        if (hex.length() != 64) {
            throw new IllegalArgumentException("a hash is 64 hex digits, not " + hex.length());
        }
        return reversed(HexFormat.of().parseHex(hex));
    }
}
