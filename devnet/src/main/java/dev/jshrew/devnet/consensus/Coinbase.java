package dev.jshrew.devnet.consensus;

import java.util.ArrayList;
import java.util.List;

/** Coinbase transactions with BIP34's height and, for blocks with witnesses, BIP141's commitment. */
public final class Coinbase {
    private Coinbase() {}

    /**
     * What BIP34 requires a coinbase script to start with: {@code CScript() << height}, i.e. {@code OP_0} for 0,
     * {@code OP_1}…{@code OP_16} for 1…16, otherwise a push of the minimal little-endian script number.
     */
    public static byte[] heightPrefix(long height) {
        if (height < 0 || height > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("height " + height + " is not a u32");
        }
        if (height == 0) {
            return new byte[] {0x00};
        }
        if (height <= 16) {
            return new byte[] {(byte) (0x50 + height)};
        }
        byte[] num = new byte[9];
        int n = 0;
        for (long v = height; v > 0; v >>>= 8) {
            num[n++] = (byte) v;
        }
        if ((num[n - 1] & 0x80) != 0) {
            num[n++] = 0;
        }
        byte[] out = new byte[n + 1];
        out[0] = (byte) n;
        System.arraycopy(num, 0, out, 1, n);
        return out;
    }

    /**
     * A coinbase at {@code height}: script = BIP34 height then a push of {@code tag} (at most 75 bytes, script at
     * most 100 bytes as consensus requires); with {@code commitment} non-null, a 32-byte zero reserved value as its
     * witness and a last output committing to it.
     */
    public static Tx create(long height, byte[] tag, List<Tx.Output> outputs, byte[] commitment) {
        byte[] prefix = heightPrefix(height);
        int tagLength = Math.min(tag.length, Math.min(75, 100 - prefix.length - 1));
        byte[] script = new byte[prefix.length + 1 + tagLength];
        System.arraycopy(prefix, 0, script, 0, prefix.length);
        script[prefix.length] = (byte) tagLength;
        System.arraycopy(tag, 0, script, prefix.length + 1, tagLength);
        List<Tx.Output> outs = new ArrayList<>(outputs);
        List<byte[]> witness = List.of();
        if (commitment != null) {
            outs.add(new Tx.Output(0, Block.commitmentScript(commitment)));
            witness = List.of(new byte[32]);
        }
        Tx.Input in = new Tx.Input(new byte[32], -1, script, -1, witness);
        return new Tx(2, List.of(in), outs, 0, commitment != null);
    }

    /** The same coinbase with {@code tag} pushed after its script (a different txid, same height prefix). */
    public static Tx retag(Tx coinbase, byte[] tag) {
        Tx.Input in = coinbase.inputs().getFirst();
        byte[] old = in.script();
        int room = Math.max(0, 100 - old.length - 1);
        int tagLength = Math.min(tag.length, Math.min(75, room));
        byte[] script;
        if (room == 0) {
            // no room to append: overwrite the last bytes (the height prefix stays)
            script = old.clone();
            int at = Math.max(heightPrefixLength(old), old.length - tag.length);
            System.arraycopy(tag, 0, script, at, old.length - at);
        } else {
            script = java.util.Arrays.copyOf(old, old.length + 1 + tagLength);
            script[old.length] = (byte) tagLength;
            System.arraycopy(tag, 0, script, old.length + 1, tagLength);
        }
        Tx.Input changed = new Tx.Input(in.prevTxid(), in.prevVout(), script, in.sequence(), in.witness());
        return coinbase.withInputs(List.of(changed));
    }

    private static int heightPrefixLength(byte[] script) {
        if (script.length == 0) {
            return 0;
        }
        int first = script[0] & 0xFF;
        return first >= 1 && first <= 75 ? Math.min(script.length, 1 + first) : 1;
    }
}
