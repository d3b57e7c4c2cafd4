package dev.jshrew.cli;

import dev.jshrew.api.storage.ChainIndex;
import dev.jshrew.host.GuestCallException;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.Indexer;
import dev.jshrew.node.chain.Backoff;
import dev.jshrew.node.chain.ChainSource;
import dev.jshrew.node.sync.Fetcher;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Finds the first block and key where two indexings differ, in the spirit of rockshrew-diff (whose comparison the
 * original never implemented): either two databases as they are ({@link #stores}), or two indexers (two modules,
 * or one module on two engines) run over the same blocks side by side ({@link #run}), stopping at the first
 * difference. Blocks compare by their canonical dumps (the writes, sorted by unsigned key bytes), then by hash
 * and state root. Not thread-safe.
 */
public final class Diff {
    private Diff() {}

    /**
     * The first difference.
     *
     * @param height the block
     * @param key the first differing key in unsigned key order, or null when the blocks differ otherwise
     * @param a the first side's value (null: absent), or its description
     * @param b the second side's value (null: absent), or its description
     * @param what a one-line description
     */
    public record Difference(long height, byte[] key, byte[] a, byte[] b, String what) {
        /** {@code height H key HEX: A=HEX B=HEX}, or the description. */
        public String describe() {
            if (key == null) {
                return "first difference at height " + height + ": " + what;
            }
            return "first difference at height " + height + ", key " + Hashes.hex(key) + ": A="
                    + (a == null ? "(absent)" : Hashes.hex(a)) + " B=" + (b == null ? "(absent)" : Hashes.hex(b));
        }
    }

    /** Compares one block's dumps; empty when they are equal. */
    public static Optional<Difference> writes(
            long height, NavigableMap<byte[], byte[]> a, NavigableMap<byte[], byte[]> b) {
        Iterator<Map.Entry<byte[], byte[]>> ia = a.entrySet().iterator();
        Iterator<Map.Entry<byte[], byte[]>> ib = b.entrySet().iterator();
        Map.Entry<byte[], byte[]> ea = ia.hasNext() ? ia.next() : null;
        Map.Entry<byte[], byte[]> eb = ib.hasNext() ? ib.next() : null;
        while (ea != null || eb != null) {
            int order = ea == null ? 1 : eb == null ? -1 : Arrays.compareUnsigned(ea.getKey(), eb.getKey());
            if (order < 0) {
                return Optional.of(new Difference(height, ea.getKey(), ea.getValue(), null, "key only in A"));
            }
            if (order > 0) {
                return Optional.of(new Difference(height, eb.getKey(), null, eb.getValue(), "key only in B"));
            }
            if (!Arrays.equals(ea.getValue(), eb.getValue())) {
                return Optional.of(new Difference(height, ea.getKey(), ea.getValue(), eb.getValue(), "values differ"));
            }
            ea = ia.hasNext() ? ia.next() : null;
            eb = ib.hasNext() ? ib.next() : null;
        }
        return Optional.empty();
    }

    /**
     * The outcome of a comparison: the first difference, if any, how many blocks were compared, and why the
     * comparison stopped early without a difference (null when it ran to the end).
     */
    public record Result(Optional<Difference> difference, long blocks, String note) {
        Result(Optional<Difference> difference, long blocks) {
            this(difference, blocks, null);
        }
    }

    /**
     * Compares two databases over heights {@code from…to} (inclusive): which heights are indexed, each block's dump,
     * hash and root.
     */
    public static Result stores(ChainIndex a, ChainIndex b, long from, long to) {
        long compared = 0;
        for (long h = from; h <= to; h++) {
            Optional<byte[]> hashA = a.blockHash(h);
            Optional<byte[]> hashB = b.blockHash(h);
            if (hashA.isEmpty() && hashB.isEmpty()) {
                continue;
            }
            compared++;
            if (hashA.isEmpty() || hashB.isEmpty()) {
                return new Result(
                        Optional.of(new Difference(
                                h, null, null, null, "indexed only in " + (hashA.isPresent() ? "A" : "B"))),
                        compared);
            }
            Optional<Difference> d = block(h, a, b);
            if (d.isPresent()) {
                return new Result(d, compared);
            }
        }
        return new Result(Optional.empty(), compared);
    }

    private static Optional<Difference> block(long h, ChainIndex a, ChainIndex b) {
        Optional<Difference> d = writes(h, a.blockWrites(h), b.blockWrites(h));
        if (d.isPresent()) {
            return d;
        }
        byte[] hashA = a.blockHash(h).orElseThrow();
        byte[] hashB = b.blockHash(h).orElseThrow();
        if (!Arrays.equals(hashA, hashB)) {
            return Optional.of(new Difference(
                    h, null, hashA, hashB, "block hashes differ: A " + Hashes.hex(hashA) + ", B " + Hashes.hex(hashB)));
        }
        byte[] rootA = a.stateRoot(h).orElse(new byte[0]);
        byte[] rootB = b.stateRoot(h).orElse(new byte[0]);
        if (!Arrays.equals(rootA, rootB)) {
            return Optional.of(new Difference(
                    h,
                    null,
                    rootA,
                    rootB,
                    "state roots differ (earlier history differs): A " + Hashes.hex(rootA) + ", B "
                            + Hashes.hex(rootB)));
        }
        return Optional.empty();
    }

    /**
     * Runs two indexers over the same blocks from {@code source}, block by block, and stops at the first
     * difference: one side failing a block the other indexes, or differing dumps, hashes or roots. Both failing
     * the same block stops the run too (reported as a difference only when the failure classes differ). Ends when
     * the source has no more blocks (a live source: when caught up) or at exit-at.
     *
     * @param progress told each height compared
     */
    public static Result run(
            ChainSource source,
            long from,
            long exitAt,
            Indexer a,
            ChainIndex storeA,
            Indexer b,
            ChainIndex storeB,
            LongConsumer progress)
            throws InterruptedException {
        long compared = 0;
        try (Fetcher fetcher = new Fetcher(source, from, exitAt, 4, Backoff.DEFAULT, Duration.ofMillis(200))) {
            while (true) {
                Fetcher.Item item = fetcher.poll(Duration.ofMillis(100));
                if (item == null) {
                    if (fetcher.finished() || fetcher.caughtUp()) {
                        return new Result(Optional.empty(), compared);
                    }
                    continue;
                }
                if (item instanceof Fetcher.Failed failed) {
                    throw failed.error();
                }
                Fetcher.Fetched block = (Fetcher.Fetched) item;
                long h = block.height();
                String failA = attempt(a, h, block.block());
                String failB = attempt(b, h, block.block());
                compared++;
                progress.accept(h);
                if (failA != null || failB != null) {
                    if (failA == null || failB == null || !failA.equals(failB)) {
                        return new Result(
                                Optional.of(new Difference(
                                        h,
                                        null,
                                        null,
                                        null,
                                        "A " + (failA == null ? "indexed the block" : "failed: " + failA) + "; B "
                                                + (failB == null ? "indexed the block" : "failed: " + failB))),
                                compared);
                    }
                    return new Result(
                            Optional.empty(),
                            compared,
                            "both failed block " + h + " alike (" + failA + "); stopped there");
                }
                Optional<Difference> d = block(h, storeA, storeB);
                if (d.isPresent()) {
                    return new Result(d, compared);
                }
            }
        }
    }

    /** Indexes a block; returns null, or the failure class and message without the engine/module prefix. */
    private static String attempt(Indexer indexer, long height, byte[] block) {
        try {
            indexer.indexBlock(height, block);
            return null;
        } catch (GuestCallException e) {
            return e.code().name();
        }
    }
}
