package dev.jshrew.devnet.consensus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A consensus-serialized block: the 80-byte header and its transactions (the first the coinbase). Hashes are in
 * internal byte order ({@link Hash256#display} prints them as bitcoind does). Immutable by convention (arrays are
 * shared, not copied).
 */
public record Block(Header header, List<Tx> txs) {
    /** The witness commitment output's script prefix (BIP141): OP_RETURN, push 36, {@code aa21a9ed}. */
    private static final byte[] COMMITMENT_PREFIX = {0x6a, 0x24, (byte) 0xaa, 0x21, (byte) 0xa9, (byte) 0xed};

    /** The 80-byte header. */
    public record Header(int version, byte[] prevHash, byte[] merkleRoot, int time, int bits, int nonce) {
        public byte[] serialize() {
            return new ByteWriter(80)
                    .i32(version)
                    .bytes(prevHash)
                    .bytes(merkleRoot)
                    .i32(time)
                    .i32(bits)
                    .i32(nonce)
                    .toByteArray();
        }

        /** The block hash: double SHA-256 of the header, internal byte order. */
        public byte[] hash() {
            return Hash256.sha256d(serialize());
        }

        public Header withPrevHash(byte[] prev) {
            return new Header(version, prev, merkleRoot, time, bits, nonce);
        }

        public Header withMerkleRoot(byte[] root) {
            return new Header(version, prevHash, root, time, bits, nonce);
        }

        static Header read(ByteReader in) {
            return new Header(in.i32(), in.bytes(32), in.bytes(32), in.i32(), in.i32(), in.i32());
        }

        public static Header parse(byte[] bytes) {
            if (bytes.length < 80) {
                throw new MalformedBlockException("a header is 80 bytes, not " + bytes.length);
            }
            return read(new ByteReader(Arrays.copyOf(bytes, 80)));
        }
    }

    public Block {
        txs = List.copyOf(txs);
    }

    /** Parses exactly one block; {@link MalformedBlockException} says what is wrong. */
    public static Block parse(byte[] bytes) {
        ByteReader in = new ByteReader(bytes);
        Header header = Header.read(in);
        int n = in.count(60);
        List<Tx> txs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            txs.add(Tx.read(in));
        }
        if (!in.atEnd()) {
            throw new MalformedBlockException((bytes.length - in.position()) + " bytes after the last transaction");
        }
        return new Block(header, txs);
    }

    public byte[] serialize() {
        ByteWriter out = new ByteWriter(1 << 16);
        out.bytes(header.serialize()).compactSize(txs.size());
        for (Tx tx : txs) {
            tx.write(out, true);
        }
        return out.toByteArray();
    }

    public byte[] hash() {
        return header.hash();
    }

    /** The merkle root of the txids (what the header must hold). */
    public byte[] computeMerkleRoot() {
        List<byte[]> ids = new ArrayList<>(txs.size());
        for (Tx tx : txs) {
            ids.add(tx.txid());
        }
        return Merkle.root(ids);
    }

    /** The merkle root of the wtxids, the coinbase's counted as 32 zero bytes (BIP141). */
    public byte[] computeWitnessRoot() {
        List<byte[]> ids = new ArrayList<>(txs.size());
        ids.add(new byte[32]);
        for (int i = 1; i < txs.size(); i++) {
            ids.add(txs.get(i).wtxid());
        }
        return Merkle.root(ids);
    }

    /** The commitment in the coinbase's last output starting with {@code 6a24aa21a9ed}, or null when none. */
    public byte[] witnessCommitment() {
        List<Tx.Output> outs = txs.getFirst().outputs();
        for (int i = outs.size() - 1; i >= 0; i--) {
            byte[] s = outs.get(i).script();
            if (isCommitmentScript(s)) {
                return Arrays.copyOfRange(s, 6, 38);
            }
        }
        return null;
    }

    static boolean isCommitmentScript(byte[] s) {
        return s.length >= 38 && Arrays.equals(s, 0, 6, COMMITMENT_PREFIX, 0, 6);
    }

    /** {@code SHA256d(witness root ‖ reserved value)}: what the commitment must equal (BIP141). */
    public static byte[] commitment(byte[] witnessRoot, byte[] reservedValue) {
        return Hash256.sha256d(witnessRoot, reservedValue);
    }

    /** The output script committing to {@code commitment}. */
    public static byte[] commitmentScript(byte[] commitment) {
        byte[] s = Arrays.copyOf(COMMITMENT_PREFIX, 38);
        System.arraycopy(commitment, 0, s, 6, 32);
        return s;
    }

    /**
     * Checks what a host relies on: the header's merkle root equals the txids' and, when any transaction has a
     * witness, the coinbase commits to the wtxids. Throws {@link MalformedBlockException} naming the mismatch.
     */
    public void verify() {
        if (txs.isEmpty() || !txs.getFirst().isCoinbase()) {
            throw new MalformedBlockException("the first transaction is not a coinbase");
        }
        if (!Arrays.equals(computeMerkleRoot(), header.merkleRoot())) {
            throw new MalformedBlockException("merkle root mismatch");
        }
        boolean anyWitness = false;
        for (int i = 1; i < txs.size() && !anyWitness; i++) {
            anyWitness = txs.get(i).hasWitness();
        }
        if (anyWitness) {
            byte[] c = witnessCommitment();
            List<byte[]> w = txs.getFirst().inputs().getFirst().witness();
            if (c == null || w.size() != 1 || w.getFirst().length != 32) {
                throw new MalformedBlockException("segwit transactions without a witness commitment");
            }
            if (!Arrays.equals(c, commitment(computeWitnessRoot(), w.getFirst()))) {
                throw new MalformedBlockException("witness commitment mismatch");
            }
        }
    }

    /** The block's size in bytes, its size without witness data, and its weight (BIP141). */
    public long[] sizes() {
        long total = serialize().length;
        long stripped = 80 + compactSizeLength(txs.size());
        for (Tx tx : txs) {
            stripped += tx.serializeWithoutWitness().length;
        }
        return new long[] {total, stripped, stripped * 3 + total};
    }

    static int compactSizeLength(long n) {
        return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xFFFF_FFFFL ? 5 : 9;
    }
}
