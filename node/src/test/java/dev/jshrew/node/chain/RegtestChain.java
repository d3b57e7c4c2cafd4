package dev.jshrew.node.chain;

import dev.jshrew.host.Hashes;
import dev.jshrew.host.bitcoin.BlockHeader;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.LongFunction;

/**
 * A regtest-style chain built with real consensus serialization: block 0 is given (the real mainnet genesis in
 * the tests), every later block is a coinbase-only block whose header links to the previous block's hash, whose
 * merkle root is the coinbase txid (the merkle root of a one-transaction block), with regtest difficulty bits and
 * a BIP34 height push in the coinbase script. No proof of work: nothing in a metashrew host checks it. Immutable.
 */
public final class RegtestChain {
    /** One coinbase output. */
    public record Output(long value, byte[] script) {}

    private final List<byte[]> blocks;

    private RegtestChain(List<byte[]> blocks) {
        this.blocks = Collections.unmodifiableList(blocks);
    }

    /** A chain of just {@code genesis}. */
    public static RegtestChain startingWith(byte[] genesis) {
        List<byte[]> list = new ArrayList<>();
        list.add(genesis.clone());
        return new RegtestChain(list);
    }

    /** The blocks by height. */
    public List<byte[]> blocks() {
        return blocks;
    }

    public byte[] block(long height) {
        return blocks.get((int) height);
    }

    public int size() {
        return blocks.size();
    }

    public long tip() {
        return blocks.size() - 1;
    }

    /** The display-order hash of block {@code height}. */
    public byte[] hash(long height) {
        return BlockHeader.hash(block(height));
    }

    /** Blocks 0…height. */
    public RegtestChain prefix(long height) {
        return new RegtestChain(new ArrayList<>(blocks.subList(0, (int) height + 1)));
    }

    /**
     * This chain plus {@code count} blocks; {@code branch} goes into every coinbase script (so branches differ) and
     * {@code outputs} gives each new height's coinbase outputs.
     */
    public RegtestChain extend(int count, String branch, LongFunction<List<Output>> outputs) {
        List<byte[]> list = new ArrayList<>(blocks);
        for (int i = 0; i < count; i++) {
            long height = list.size();
            byte[] previous = BlockHeader.hash(list.get(list.size() - 1));
            list.add(coinbaseBlock(previous, height, branch, outputs.apply(height)));
        }
        return new RegtestChain(list);
    }

    /** One OP_TRUE output every block shares, plus one P2PKH-shaped output unique to (branch, height). */
    public static LongFunction<List<Output>> sharedAndUnique(String branch) {
        return h -> List.of(new Output(50_0000_0000L, new byte[] {0x51}), new Output(h, p2pkh(branch + "/" + h)));
    }

    /** A P2PKH script whose 20-byte hash is derived from {@code seed}. */
    public static byte[] p2pkh(String seed) {
        byte[] hash = java.util.Arrays.copyOf(Hashes.sha256(seed.getBytes(StandardCharsets.UTF_8)), 20);
        ByteBuffer b = ByteBuffer.allocate(25);
        b.put((byte) 0x76)
                .put((byte) 0xa9)
                .put((byte) 0x14)
                .put(hash)
                .put((byte) 0x88)
                .put((byte) 0xac);
        return b.array();
    }

    /** A coinbase-only block at {@code height} on top of {@code previousHash} (display order). */
    public static byte[] coinbaseBlock(byte[] previousHash, long height, String branch, List<Output> outputs) {
        byte[] tx = coinbase(height, branch, outputs);
        byte[] txid = Hashes.sha256(Hashes.sha256(tx)); // internal byte order: the merkle root of a one-tx block
        ByteBuffer header = ByteBuffer.allocate(80).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(0x2000_0000);
        header.put(reverse(previousHash));
        header.put(txid);
        header.putInt((int) (1_296_688_602L + height * 600 + (branch.hashCode() & 0xFF)));
        header.putInt(0x207f_ffff);
        header.putInt((int) height);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header.array());
        varint(out, 1);
        out.writeBytes(tx);
        return out.toByteArray();
    }

    static byte[] coinbase(long height, String branch, List<Output> outputs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(le32(1));
        varint(out, 1);
        out.writeBytes(new byte[32]);
        out.writeBytes(le32(-1));
        ByteArrayOutputStream script = new ByteArrayOutputStream();
        byte[] h = scriptNumber(height);
        script.write(h.length);
        script.writeBytes(h);
        byte[] tag = branch.getBytes(StandardCharsets.UTF_8);
        script.write(Math.min(tag.length, 75));
        script.write(tag, 0, Math.min(tag.length, 75));
        varint(out, script.size());
        out.writeBytes(script.toByteArray());
        out.writeBytes(le32(-1));
        varint(out, outputs.size());
        for (Output o : outputs) {
            out.writeBytes(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(o.value())
                    .array());
            varint(out, o.script().length);
            out.writeBytes(o.script());
        }
        out.writeBytes(le32(0));
        return out.toByteArray();
    }

    /** BIP34's minimal little-endian script number (non-negative). */
    static byte[] scriptNumber(long n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long v = n;
        while (v > 0) {
            out.write((int) (v & 0xFF));
            v >>= 8;
        }
        byte[] b = out.toByteArray();
        if (b.length == 0) {
            return new byte[] {0};
        }
        if ((b[b.length - 1] & 0x80) != 0) {
            b = java.util.Arrays.copyOf(b, b.length + 1);
        }
        return b;
    }

    static void varint(ByteArrayOutputStream out, long n) {
        if (n < 0xfd) {
            out.write((int) n);
        } else if (n <= 0xffff) {
            out.write(0xfd);
            out.write((int) n);
            out.write((int) (n >> 8));
        } else {
            out.write(0xfe);
            out.writeBytes(le32((int) n));
        }
    }

    static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static byte[] reverse(byte[] b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[b.length - 1 - i];
        }
        return out;
    }
}
