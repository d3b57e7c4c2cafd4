package dev.jshrew.devnet;

import dev.jshrew.devnet.consensus.Tx;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** The kinds of transactions {@code devnet synthesize} counts; a transaction can be of several. */
public enum TxKind {
    /** An output starting {@code OP_RETURN OP_13} (a runes runestone; ALKANES protostones ride in one). */
    RUNESTONE("runestone"),
    /** A witness item holding an ordinals envelope: {@code OP_FALSE OP_IF OP_PUSHBYTES_3 "ord"}. */
    INSCRIPTION("inscription envelope"),
    /** An output starting {@code OP_RETURN} (runestones included). */
    OP_RETURN("OP_RETURN"),
    /** Serialized with witness data. */
    SEGWIT("segwit"),
    /**
     * Creates a P2TR output or carries a taproot-shaped witness (a 64/65-byte key-path signature, or a control
     * block).
     */
    TAPROOT("taproot");

    private static final byte[] ENVELOPE = {0x00, 0x63, 0x03, 0x6f, 0x72, 0x64};

    private final String label;

    TxKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The kinds of {@code tx}. */
    public static Set<TxKind> of(Tx tx) {
        Set<TxKind> kinds = EnumSet.noneOf(TxKind.class);
        for (Tx.Output o : tx.outputs()) {
            byte[] s = o.script();
            if (s.length > 0 && s[0] == 0x6a) {
                kinds.add(OP_RETURN);
                if (s.length > 1 && s[1] == 0x5d) {
                    kinds.add(RUNESTONE);
                }
            }
            if (s.length == 34 && s[0] == 0x51 && s[1] == 0x20) {
                kinds.add(TAPROOT);
            }
        }
        if (tx.hasWitness()) {
            kinds.add(SEGWIT);
        }
        for (Tx.Input in : tx.inputs()) {
            List<byte[]> w = in.witness();
            if (w.isEmpty()) {
                continue;
            }
            for (byte[] item : w) {
                if (indexOf(item, ENVELOPE) >= 0) {
                    kinds.add(INSCRIPTION);
                    break;
                }
            }
            int n = w.size();
            if (n >= 2 && w.get(n - 1).length > 0 && w.get(n - 1)[0] == 0x50) {
                n--; // BIP341's annex
            }
            byte[] last = w.get(n - 1);
            boolean keyPath = n == 1 && (last.length == 64 || last.length == 65);
            boolean scriptPath =
                    n >= 2 && last.length >= 33 && (last.length - 33) % 32 == 0 && (last[0] & 0xfe) == 0xc0;
            if (keyPath || scriptPath) {
                kinds.add(TAPROOT);
            }
        }
        return kinds;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
