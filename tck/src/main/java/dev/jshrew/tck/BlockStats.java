package dev.jshrew.tck;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An independent, test-only Bitcoin block parser: transaction count, output count and total output value, so
 * tests can check an indexer's answers without trusting the indexer's own parser.
 */
public record BlockStats(int transactions, int outputs, long totalValue) {
    public static BlockStats of(byte[] block) {
        ByteBuffer in = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        in.position(80);
        long txs = compactSize(in);
        int outputs = 0;
        long total = 0;
        for (long t = 0; t < txs; t++) {
            in.getInt();
            boolean segwit = in.get(in.position()) == 0 && in.get(in.position() + 1) == 1;
            if (segwit) {
                in.position(in.position() + 2);
            }
            long inputs = compactSize(in);
            for (long i = 0; i < inputs; i++) {
                in.position(in.position() + 36);
                skip(in, compactSize(in));
                in.getInt();
            }
            long outs = compactSize(in);
            for (long o = 0; o < outs; o++) {
                total += in.getLong();
                skip(in, compactSize(in));
                outputs++;
            }
            if (segwit) {
                for (long i = 0; i < inputs; i++) {
                    long items = compactSize(in);
                    for (long k = 0; k < items; k++) {
                        skip(in, compactSize(in));
                    }
                }
            }
            in.getInt();
        }
        if (in.hasRemaining()) {
            throw new IllegalStateException(in.remaining() + " bytes left after the last transaction");
        }
        return new BlockStats((int) txs, outputs, total);
    }

    private static void skip(ByteBuffer in, long n) {
        in.position(in.position() + Math.toIntExact(n));
    }

    private static long compactSize(ByteBuffer in) {
        int first = in.get() & 0xFF;
        return switch (first) {
            case 0xFD -> in.getShort() & 0xFFFF;
            case 0xFE -> in.getInt() & 0xFFFF_FFFFL;
            case 0xFF -> in.getLong();
            default -> first;
        };
    }

    /** The encoding of the spendables {@code stats} view. */
    public byte[] encoded() {
        return ByteBuffer.allocate(16)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(transactions)
                .putInt(outputs)
                .putLong(totalValue)
                .array();
    }
}
