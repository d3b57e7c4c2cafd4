package dev.jshrew.devnet.consensus;

import java.util.ArrayList;
import java.util.List;

/**
 * One transaction as consensus-serialized (BIP144 when {@code segwit}: marker {@code 00}, flag {@code 01}, then a
 * witness stack per input). Records share their arrays with the caller (no copies): treat them as immutable.
 *
 * @param segwit whether it is serialized with the witness marker (kept as parsed so bytes round-trip)
 */
public record Tx(int version, List<Input> inputs, List<Output> outputs, int lockTime, boolean segwit) {
    /** The null outpoint's txid, as in a coinbase input. */
    private static final byte[] ZERO = new byte[32];

    /** An input: the outpoint it spends (txid in internal byte order), its script, sequence and witness stack. */
    public record Input(byte[] prevTxid, int prevVout, byte[] script, int sequence, List<byte[]> witness) {
        /** The same input spending another outpoint. */
        public Input spending(byte[] txid, int vout) {
            return new Input(txid, vout, script, sequence, witness);
        }
    }

    /** An output: value in satoshis and its script. */
    public record Output(long value, byte[] script) {}

    public Tx {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /** Whether it is a coinbase: one input spending the null outpoint. */
    public boolean isCoinbase() {
        Input in = inputs.size() == 1 ? inputs.getFirst() : null;
        return in != null && in.prevVout() == -1 && java.util.Arrays.equals(in.prevTxid(), ZERO);
    }

    /** Whether any input carries a witness. */
    public boolean hasWitness() {
        for (Input in : inputs) {
            if (!in.witness().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** The same transaction with other inputs. */
    public Tx withInputs(List<Input> newInputs) {
        return new Tx(version, newInputs, outputs, lockTime, segwit);
    }

    static Tx read(ByteReader in) {
        int version = in.i32();
        boolean segwit = false;
        int nIn = in.count(41);
        if (nIn == 0) {
            int flag = in.u8();
            if (flag != 1) {
                throw new MalformedBlockException("segwit marker followed by flag " + flag + ", not 1");
            }
            segwit = true;
            nIn = in.count(41);
        }
        List<Input> inputs = new ArrayList<>(nIn);
        for (int i = 0; i < nIn; i++) {
            byte[] txid = in.bytes(32);
            int vout = in.i32();
            byte[] script = in.varBytes();
            int sequence = in.i32();
            inputs.add(new Input(txid, vout, script, sequence, List.of()));
        }
        int nOut = in.count(9);
        List<Output> outputs = new ArrayList<>(nOut);
        for (int i = 0; i < nOut; i++) {
            long value = in.i64();
            outputs.add(new Output(value, in.varBytes()));
        }
        if (segwit) {
            for (int i = 0; i < nIn; i++) {
                int items = in.count(1);
                List<byte[]> stack = new ArrayList<>(items);
                for (int j = 0; j < items; j++) {
                    stack.add(in.varBytes());
                }
                inputs.set(
                        i,
                        new Input(
                                inputs.get(i).prevTxid(),
                                inputs.get(i).prevVout(),
                                inputs.get(i).script(),
                                inputs.get(i).sequence(),
                                List.copyOf(stack)));
            }
        }
        int lockTime = in.i32();
        return new Tx(version, inputs, outputs, lockTime, segwit);
    }

    /** Parses exactly one transaction. */
    public static Tx parse(byte[] bytes) {
        ByteReader in = new ByteReader(bytes);
        Tx tx = read(in);
        if (!in.atEnd()) {
            throw new MalformedBlockException((bytes.length - in.position()) + " bytes after the transaction");
        }
        return tx;
    }

    void write(ByteWriter out, boolean withWitness) {
        boolean witness = withWitness && segwit;
        out.i32(version);
        if (witness) {
            out.u8(0).u8(1);
        }
        out.compactSize(inputs.size());
        for (Input in : inputs) {
            out.bytes(in.prevTxid()).i32(in.prevVout()).varBytes(in.script()).i32(in.sequence());
        }
        out.compactSize(outputs.size());
        for (Output o : outputs) {
            out.i64(o.value()).varBytes(o.script());
        }
        if (witness) {
            for (Input in : inputs) {
                out.compactSize(in.witness().size());
                for (byte[] item : in.witness()) {
                    out.varBytes(item);
                }
            }
        }
        out.i32(lockTime);
    }

    /** The full serialization (with witness data when {@code segwit}). */
    public byte[] serialize() {
        ByteWriter out = new ByteWriter(256);
        write(out, true);
        return out.toByteArray();
    }

    /** The serialization without witness data (what the txid hashes). */
    public byte[] serializeWithoutWitness() {
        ByteWriter out = new ByteWriter(256);
        write(out, false);
        return out.toByteArray();
    }

    /** The txid in internal byte order. */
    public byte[] txid() {
        return Hash256.sha256d(serializeWithoutWitness());
    }

    /** The wtxid in internal byte order (equals the txid without witness data). */
    public byte[] wtxid() {
        return segwit ? Hash256.sha256d(serialize()) : txid();
    }
}
