package dev.jshrew.host;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers and lowercase hex. */
public final class Hashes {
    private static final HexFormat HEX = HexFormat.of();

    private Hashes() {}

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    public static byte[] sha256(byte[]... parts) {
        MessageDigest digest = sha256();
        for (byte[] part : parts) {
            digest.update(part);
        }
        return digest.digest();
    }

    public static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    /** Parses hex with an optional (repeated) {@code 0x} prefix; throws IllegalArgumentException on bad input. */
    public static byte[] parseHex(String text) {
        String s = text.strip();
        while (s.startsWith("0x") || s.startsWith("0X")) {
            s = s.substring(2);
        }
        return HEX.parseHex(s);
    }
}
