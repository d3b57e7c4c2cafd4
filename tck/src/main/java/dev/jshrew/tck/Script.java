package dev.jshrew.tck;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds op scripts for {@code guests/wat/probe.wat} (see its header comment for the op codes). */
public final class Script {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public static Script of() {
        return new Script();
    }

    private Script op(int code) {
        out.write(code);
        return this;
    }

    private Script u32(long v) {
        out.writeBytes(ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt((int) v)
                .array());
        return this;
    }

    private Script bytes(byte[] b) {
        u32(b.length);
        out.writeBytes(b);
        return this;
    }

    public Script flush(byte[] payload) {
        return op(0x01).bytes(payload);
    }

    public Script get(byte[] key) {
        return op(0x02).bytes(key);
    }

    public Script get(String key) {
        return get(key.getBytes(StandardCharsets.UTF_8));
    }

    public Script obsFlush(String key) {
        return op(0x03).bytes(key.getBytes(StandardCharsets.UTF_8));
    }

    public Script trap() {
        return op(0x04);
    }

    public Script rawGetLen(long ptr) {
        return op(0x05).u32(ptr);
    }

    public Script rawGet(long keyPtr, long valuePtr) {
        return op(0x06).u32(keyPtr).u32(valuePtr);
    }

    public Script rawLoad(long ptr) {
        return op(0x07).u32(ptr);
    }

    public Script log(byte[] text) {
        return op(0x08).bytes(text);
    }

    public Script rawLog(long ptr) {
        return op(0x09).u32(ptr);
    }

    public Script rawFlush(long ptr) {
        return op(0x0A).u32(ptr);
    }

    public Script abort() {
        return op(0x0B);
    }

    public Script hostLen() {
        return op(0x0C);
    }

    public Script input() {
        return op(0x0D);
    }

    public Script state() {
        return op(0x0E);
    }

    public Script grow(long pages) {
        return op(0x0F).u32(pages);
    }

    public Script size() {
        return op(0x10);
    }

    public Script store(long address) {
        return op(0x11).u32(address);
    }

    public Script unknownImport() {
        return op(0x12);
    }

    public Script load(long address) {
        return op(0x13).u32(address);
    }

    public Script fill(long address, long n) {
        return op(0x14).u32(address).u32(n);
    }

    public Script poke(long address, byte[] data) {
        op(0x15).u32(address).u32(data.length);
        out.writeBytes(data);
        return this;
    }

    /** The ops alone: a view input. */
    public byte[] ops() {
        return out.toByteArray();
    }

    /** A block for the probe: an 80-byte zero header followed by the ops. */
    public byte[] block() {
        return block(0);
    }

    /** A block with a distinguishing nonce in its header (so different blocks hash differently). */
    public byte[] block(int nonce) {
        byte[] ops = ops();
        ByteBuffer b = ByteBuffer.allocate(80 + ops.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(76, nonce);
        b.position(80);
        b.put(ops);
        return b.array();
    }
}
