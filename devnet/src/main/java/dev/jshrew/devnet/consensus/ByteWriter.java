package dev.jshrew.devnet.consensus;

import java.util.Arrays;

/** Writes Bitcoin's consensus encoding into a growing byte array. Not thread-safe. */
final class ByteWriter {
    private byte[] buf;
    private int size;

    ByteWriter(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    int size() {
        return size;
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }

    ByteWriter u8(int v) {
        ensure(1);
        buf[size++] = (byte) v;
        return this;
    }

    ByteWriter i32(int v) {
        ensure(4);
        buf[size] = (byte) v;
        buf[size + 1] = (byte) (v >>> 8);
        buf[size + 2] = (byte) (v >>> 16);
        buf[size + 3] = (byte) (v >>> 24);
        size += 4;
        return this;
    }

    ByteWriter i64(long v) {
        return i32((int) v).i32((int) (v >>> 32));
    }

    ByteWriter compactSize(long n) {
        if (n >= 0 && n < 0xfd) {
            return u8((int) n);
        } else if (n >= 0 && n <= 0xffff) {
            return u8(0xfd).u8((int) n).u8((int) (n >>> 8));
        } else if (n >= 0 && n <= 0xFFFF_FFFFL) {
            return u8(0xfe).i32((int) n);
        }
        return u8(0xff).i64(n);
    }

    ByteWriter bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
        return this;
    }

    ByteWriter varBytes(byte[] b) {
        return compactSize(b.length).bytes(b);
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }
}
