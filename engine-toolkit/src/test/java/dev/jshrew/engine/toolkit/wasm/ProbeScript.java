package dev.jshrew.engine.toolkit.wasm;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds op scripts for {@code guests/wat/probe.wat} (a copy of {@code dev.jshrew.tck.Script}, which this module cannot depend on). */
final class ProbeScript {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static ProbeScript of() {
        return new ProbeScript();
    }

    private ProbeScript op(int code) {
        out.write(code);
        return this;
    }

    private ProbeScript u32(long v) {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        return this;
    }

    private ProbeScript bytes(byte[] b) {
        u32(b.length);
        out.writeBytes(b);
        return this;
    }

    ProbeScript flush(byte[] payload) { return op(0x01).bytes(payload); }
    ProbeScript get(byte[] key) { return op(0x02).bytes(key); }
    ProbeScript get(String key) { return get(key.getBytes(StandardCharsets.UTF_8)); }
    ProbeScript obsFlush(String key) { return op(0x03).bytes(key.getBytes(StandardCharsets.UTF_8)); }
    ProbeScript trap() { return op(0x04); }
    ProbeScript rawGetLen(long ptr) { return op(0x05).u32(ptr); }
    ProbeScript rawGet(long keyPtr, long valuePtr) { return op(0x06).u32(keyPtr).u32(valuePtr); }
    ProbeScript rawLoad(long ptr) { return op(0x07).u32(ptr); }
    ProbeScript log(byte[] text) { return op(0x08).bytes(text); }
    ProbeScript rawLog(long ptr) { return op(0x09).u32(ptr); }
    ProbeScript rawFlush(long ptr) { return op(0x0A).u32(ptr); }
    ProbeScript abort() { return op(0x0B); }
    ProbeScript hostLen() { return op(0x0C); }
    ProbeScript input() { return op(0x0D); }
    ProbeScript state() { return op(0x0E); }
    ProbeScript grow(long pages) { return op(0x0F).u32(pages); }
    ProbeScript size() { return op(0x10); }
    ProbeScript store(long address) { return op(0x11).u32(address); }
    ProbeScript unknownImport() { return op(0x12); }
    ProbeScript load(long address) { return op(0x13).u32(address); }
    ProbeScript fill(long address, long n) { return op(0x14).u32(address).u32(n); }
    ProbeScript poke(long address, byte[] data) { op(0x15).u32(address).u32(data.length); out.writeBytes(data); return this; }

    /** The ops alone: a view input. */
    byte[] ops() {
        return out.toByteArray();
    }

    /** A block for the probe: an 80-byte zero header followed by the ops. */
    byte[] block() {
        return block(0);
    }

    /** A block with a distinguishing nonce in its header (so different blocks hash differently). */
    byte[] block(int nonce) {
        byte[] ops = ops();
        ByteBuffer b = ByteBuffer.allocate(80 + ops.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(76, nonce);
        b.position(80);
        b.put(ops);
        return b.array();
    }
}
