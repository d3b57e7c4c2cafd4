package dev.jshrew.engine.toolkit.wasm;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte buffer with the WebAssembly binary encodings (LEB128, names, length-prefixed vectors). */
final class WasmWriter {
    private byte[] buf;
    private int size;

    WasmWriter() {
        this(256);
    }

    WasmWriter(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }

    int size() {
        return size;
    }

    WasmWriter u8(int b) {
        ensure(1);
        buf[size++] = (byte) b;
        return this;
    }

    WasmWriter bytes(byte[] b) {
        return bytes(b, 0, b.length);
    }

    WasmWriter bytes(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
        return this;
    }

    WasmWriter bytes(WasmWriter other) {
        return bytes(other.buf, 0, other.size);
    }

    /** Unsigned LEB128 of the low 32 bits, read as unsigned. */
    WasmWriter u32(int v) {
        long x = Integer.toUnsignedLong(v);
        do {
            int b = (int) (x & 0x7F);
            x >>>= 7;
            u8(x != 0 ? b | 0x80 : b);
        } while (x != 0);
        return this;
    }

    /** Signed LEB128 (also used for s32 and s33 values). */
    WasmWriter s64(long v) {
        while (true) {
            int b = (int) (v & 0x7F);
            v >>= 7;
            boolean done = (v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0);
            u8(done ? b : b | 0x80);
            if (done) {
                return this;
            }
        }
    }

    WasmWriter s32(int v) {
        return s64(v);
    }

    WasmWriter name(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u32(b.length);
        return bytes(b);
    }

    /** A length-prefixed blob: {@code u32(len) bytes}. */
    WasmWriter sized(WasmWriter content) {
        u32(content.size);
        return bytes(content);
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }
}
