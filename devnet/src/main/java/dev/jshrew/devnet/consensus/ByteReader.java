package dev.jshrew.devnet.consensus;

import java.util.Arrays;

/** Reads Bitcoin's consensus encoding (little-endian integers, CompactSize) from a byte array. Not thread-safe. */
final class ByteReader {
    private final byte[] data;
    private int pos;

    ByteReader(byte[] data) {
        this.data = data;
    }

    int position() {
        return pos;
    }

    boolean atEnd() {
        return pos == data.length;
    }

    int peek() {
        need(1);
        return data[pos] & 0xFF;
    }

    int u8() {
        need(1);
        return data[pos++] & 0xFF;
    }

    int i32() {
        need(4);
        int v = (data[pos] & 0xFF)
                | (data[pos + 1] & 0xFF) << 8
                | (data[pos + 2] & 0xFF) << 16
                | (data[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    long i64() {
        long lo = i32() & 0xFFFF_FFFFL;
        long hi = i32() & 0xFFFF_FFFFL;
        return lo | hi << 32;
    }

    /** A CompactSize; refuses non-canonical encodings and counts beyond what the remaining bytes could hold. */
    long compactSize() {
        int first = u8();
        long v;
        if (first < 0xfd) {
            return first;
        } else if (first == 0xfd) {
            need(2);
            v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8;
            pos += 2;
            if (v < 0xfd) {
                throw new MalformedBlockException("non-canonical CompactSize at byte " + (pos - 3));
            }
        } else if (first == 0xfe) {
            v = i32() & 0xFFFF_FFFFL;
            if (v <= 0xffff) {
                throw new MalformedBlockException("non-canonical CompactSize at byte " + (pos - 5));
            }
        } else {
            v = i64();
            if (v >= 0 && v <= 0xFFFF_FFFFL) {
                throw new MalformedBlockException("non-canonical CompactSize at byte " + (pos - 9));
            }
        }
        return v;
    }

    /** A count of items of at least {@code minItemBytes} each, checked against the bytes left. */
    int count(int minItemBytes) {
        int at = pos;
        long n = compactSize();
        if (n < 0 || n * Math.max(1, minItemBytes) > data.length - pos) {
            throw new MalformedBlockException("count " + Long.toUnsignedString(n) + " at byte " + at + " exceeds the "
                    + (data.length - pos) + " bytes left");
        }
        return (int) n;
    }

    byte[] bytes(int n) {
        need(n);
        byte[] out = Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return out;
    }

    /** A CompactSize length followed by that many bytes. */
    byte[] varBytes() {
        return bytes(count(1));
    }

    private void need(int n) {
        if (n < 0 || data.length - pos < n) {
            throw new MalformedBlockException(
                    "truncated: needed " + n + " bytes at byte " + pos + ", " + (data.length - pos) + " left");
        }
    }
}
