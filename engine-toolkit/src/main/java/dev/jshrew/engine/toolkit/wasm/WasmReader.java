package dev.jshrew.engine.toolkit.wasm;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A cursor over WebAssembly binary bytes: fixed bytes, LEB128 integers and names, strict about overlong or
 * overflowing encodings. Every failure is a {@link Malformed} carrying the absolute offset in the module.
 */
final class WasmReader {
    private final byte[] bytes;
    private int pos;
    private final int end;

    WasmReader(byte[] bytes) {
        this(bytes, 0, bytes.length);
    }

    WasmReader(byte[] bytes, int start, int end) {
        this.bytes = bytes;
        this.pos = start;
        this.end = end;
    }

    /** A reader over {@code [pos, pos + length)}; this reader skips past it. */
    WasmReader slice(int length) {
        if (length < 0 || length > end - pos) {
            throw new Malformed(
                    pos,
                    "length " + Integer.toUnsignedString(length) + " runs past the end (" + (end - pos)
                            + " bytes left)");
        }
        WasmReader r = new WasmReader(bytes, pos, pos + length);
        pos += length;
        return r;
    }

    byte[] array() {
        return bytes;
    }

    int pos() {
        return pos;
    }

    int end() {
        return end;
    }

    boolean atEnd() {
        return pos >= end;
    }

    int remaining() {
        return end - pos;
    }

    int u8() {
        if (pos >= end) {
            throw new Malformed(pos, "unexpected end");
        }
        return bytes[pos++] & 0xFF;
    }

    int peek() {
        if (pos >= end) {
            throw new Malformed(pos, "unexpected end");
        }
        return bytes[pos] & 0xFF;
    }

    byte[] bytes(int n) {
        if (n < 0 || n > end - pos) {
            throw new Malformed(
                    pos,
                    "length " + Integer.toUnsignedString(n) + " runs past the end (" + (end - pos) + " bytes left)");
        }
        byte[] out = new byte[n];
        System.arraycopy(bytes, pos, out, 0, n);
        pos += n;
        return out;
    }

    void skip(int n) {
        if (n < 0 || n > end - pos) {
            throw new Malformed(pos, "length " + Integer.toUnsignedString(n) + " runs past the end");
        }
        pos += n;
    }

    /** Unsigned LEB128, at most 32 bits (returned as an int holding the unsigned value). */
    int u32() {
        int start = pos;
        long result = 0;
        for (int shift = 0; ; shift += 7) {
            int b = u8();
            if (shift == 28 && (b & 0x70) != 0) {
                throw new Malformed(start, "u32 LEB128 overflows 32 bits");
            }
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return (int) result;
            }
            if (shift == 28) {
                throw new Malformed(start, "u32 LEB128 longer than 5 bytes");
            }
        }
    }

    /** An unsigned LEB128 count or index that must fit a non-negative int. */
    int count() {
        int start = pos;
        int v = u32();
        if (v < 0) {
            throw new Malformed(start, "count " + Integer.toUnsignedString(v) + " too large");
        }
        return v;
    }

    /** Signed LEB128 of at most {@code bits} bits (32, 33 or 64). */
    long signed(int bits) {
        int start = pos;
        long result = 0;
        int shift = 0;
        int maxBytes = (bits + 6) / 7;
        int b;
        int n = 0;
        do {
            b = u8();
            n++;
            if (n > maxBytes) {
                throw new Malformed(start, "s" + bits + " LEB128 too long");
            }
            result |= (long) (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        if (n == maxBytes && bits < 64) {
            // the unused high bits of the last byte must be the sign extension of the value
            int used = bits - 7 * (maxBytes - 1);
            int rest = (b & 0x7F) >> (used - 1);
            int allOnes = (0x7F >> (used - 1));
            if (rest != 0 && rest != allOnes) {
                throw new Malformed(start, "s" + bits + " LEB128 overflows");
            }
        } else if (n == maxBytes) { // 64 bits: 10 bytes, the last holds 1 bit of value plus sign extension
            int rest = (b & 0x7F);
            if (rest != 0 && rest != 0x7F) {
                throw new Malformed(start, "s64 LEB128 overflows");
            }
        }
        if (shift < 64 && (b & 0x40) != 0) {
            result |= -1L << shift;
        }
        return result;
    }

    /** Skips an unsigned or signed LEB128 of at most {@code maxBytes} bytes, its value unchecked. */
    void skipLeb(int maxBytes, String where) {
        int start = pos;
        for (int i = 0; i < maxBytes; i++) {
            if ((u8() & 0x80) == 0) {
                return;
            }
        }
        throw new Malformed(start, where + ": LEB128 longer than " + maxBytes + " bytes");
    }

    String name() {
        int n = count();
        int start = pos;
        byte[] raw = bytes(n);
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new Malformed(start, "name is not valid UTF-8");
        }
    }

    /** A decoding failure at an absolute offset of the module. */
    static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int offset;

        Malformed(int offset, String message) {
            super(message, null, false, false);
            this.offset = offset;
        }
    }
}
