package dev.jshrew.devnet;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.devnet.consensus.Block;
import dev.jshrew.devnet.consensus.Coinbase;
import dev.jshrew.devnet.consensus.Hash256;
import dev.jshrew.devnet.consensus.MalformedBlockException;
import dev.jshrew.devnet.consensus.Tx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The chain {@code devnet serve} serves: the blocks of a {@link BlockDirectory} (contiguous heights, each header
 * linking to the previous block's hash), released all at once or {@code blocksPerSecond} at a time, and reorganised
 * on request.
 *
 * <p>A reorg of depth D at tip T replaces heights T−D+1…T by a new branch one block longer (T+1 its tip). Branch
 * {@code k}'s block at a height is the directory's block with {@code "devnet branch k"} pushed after its coinbase
 * script (so its txid, merkle root and hash differ; the other transactions are the same) and its header linked to
 * the branch's previous block; above the directory's last height a branch has coinbase-only blocks. Heights above
 * the fork stay on the new branch as the tip grows. Blocks of abandoned branches stay fetchable by hash, as in
 * bitcoind. A reorg never replaces the first block and is at most {@value #MAX_REORG_DEPTH} deep: a block spends
 * coinbase outputs only 100 blocks later, so no spend breaks (synthesized chains hold that rule, see
 * {@link Synthesizer}).
 *
 * <p>Scripted reorgs ({@code reorgAt}): the tip stops at each scripted height H until a client has fetched block H
 * with {@code getblock}, then the reorg happens, so a following node always sees the replaced blocks first.
 * Thread-safe: state changes under this object's lock; block bytes are derived outside it.
 */
public final class DevnetChain {
    /** The deepest reorg: shallower than coinbase maturity (100). */
    public static final int MAX_REORG_DEPTH = 99;

    /** One block the devnet has served or can serve. Immutable. */
    public record Entry(long height, int branch, byte[] hash, byte[] header) {
        public Block.Header parsedHeader() {
            return Block.Header.parse(header);
        }

        public String displayHash() {
            return Hash256.display(hash);
        }
    }

    /** What a reorg did. */
    public record Reorg(long forkHeight, long oldTip, long newTip, int branch, String newTipHash) {}

    private final BlockDirectory dir;
    private final long first;
    private final long fileLast;
    private final double blocksPerSecond;
    private final LongSupplier nanoClock;
    private final NavigableMap<Long, Integer> pendingReorgs;
    /** The active chain, by height. */
    private final NavigableMap<Long, Entry> active = new TreeMap<>();
    /** Every block ever on the active chain, by display hash. */
    private final Map<String, Entry> known = new HashMap<>();
    /** Which branch each height range is on: the last segment starting at or below a height. */
    private final NavigableMap<Long, Integer> segments = new TreeMap<>();

    private long tip;
    private long chainMax;
    private int branches;
    private long lastNanos;
    private double credit;
    private boolean pendingFetched;

    /**
     * @param blocksPerSecond 0 to serve every block at once, else the rate the tip grows at (from the first block)
     * @param reorgAt scripted reorgs: height → depth
     */
    public DevnetChain(
            BlockDirectory dir, double blocksPerSecond, NavigableMap<Long, Integer> reorgAt, LongSupplier nanoClock) {
        if (dir.files().isEmpty()) {
            throw new JshrewException(ErrorCode.INPUT, "no block files in " + dir.dir());
        }
        if (!(blocksPerSecond >= 0) || Double.isInfinite(blocksPerSecond)) {
            throw new JshrewException(ErrorCode.INPUT, "--blocks-per-second must be 0 or more, not " + blocksPerSecond);
        }
        this.dir = dir;
        this.first = dir.files().firstKey();
        this.fileLast = dir.files().lastKey();
        this.blocksPerSecond = blocksPerSecond;
        this.nanoClock = nanoClock;
        this.pendingReorgs = new TreeMap<>(reorgAt);
        for (var e : reorgAt.entrySet()) {
            long fork = e.getKey() - e.getValue() + 1;
            if (e.getValue() < 1 || e.getValue() > MAX_REORG_DEPTH || fork <= first) {
                throw new JshrewException(
                        ErrorCode.INPUT,
                        "cannot reorg at " + e.getKey() + " with depth " + e.getValue() + ": the depth must be 1…"
                                + MAX_REORG_DEPTH + " and the first block (" + first + ") stays");
            }
            if (e.getKey() > fileLast) {
                throw new JshrewException(
                        ErrorCode.INPUT, "--reorg-at " + e.getKey() + " is above the last block (" + fileLast + ")");
            }
        }
        segments.put(first, 0);
        byte[] prev = null;
        for (long h = first; h <= fileLast; h++) {
            if (!dir.files().containsKey(h)) {
                throw new JshrewException(
                        ErrorCode.INPUT,
                        dir.dir() + " has no block at height " + h + " (heights " + first + "…" + fileLast
                                + " must be contiguous; `jshrew devnet synthesize` builds such a chain)");
            }
            byte[] header = dir.readHeader(h);
            Block.Header parsed = Block.Header.parse(header);
            if (prev != null && !Arrays.equals(parsed.prevHash(), prev)) {
                throw new JshrewException(
                        ErrorCode.INPUT,
                        "block " + h + " in " + dir.dir() + " does not link to block " + (h - 1) + " (previous hash "
                                + Hash256.display(parsed.prevHash()) + ", block " + (h - 1) + " is "
                                + Hash256.display(prev) + ")");
            }
            prev = Hash256.sha256d(header);
            put(new Entry(h, 0, prev, header));
        }
        this.chainMax = fileLast;
        this.lastNanos = nanoClock.getAsLong();
        this.tip = blocksPerSecond > 0 ? first : fileLast;
        capAtPendingReorg();
    }

    private void put(Entry e) {
        active.put(e.height(), e);
        known.put(e.displayHash(), e);
    }

    private void capAtPendingReorg() {
        Map.Entry<Long, Integer> next = pendingReorgs.firstEntry();
        if (next != null && tip >= next.getKey()) {
            tip = next.getKey();
        }
    }

    /** Moves the tip by the clock (and fires a scripted reorg whose block has been fetched). */
    private void advance() {
        long now = nanoClock.getAsLong();
        Map.Entry<Long, Integer> next = pendingReorgs.firstEntry();
        if (next != null && tip == next.getKey() && pendingFetched) {
            pendingReorgs.pollFirstEntry();
            pendingFetched = false;
            reorgLocked(next.getValue());
        }
        if (blocksPerSecond > 0) {
            credit += (now - lastNanos) / 1e9 * blocksPerSecond;
            long steps = (long) Math.floor(credit);
            credit -= steps;
            tip = Math.min(chainMax, tip + steps);
        } else {
            tip = chainMax;
        }
        lastNanos = now;
        capAtPendingReorg();
        ensureEntries();
    }

    /** Derives the active chain's entries up to the tip (branch blocks above the directory's are derived lazily). */
    private void ensureEntries() {
        for (long h = active.lastKey() + 1; h <= tip; h++) {
            Entry parent = active.get(h - 1);
            Entry e = derive(h, segments.floorEntry(h).getValue(), parent);
            put(e);
        }
    }

    /** The current tip height. */
    public synchronized long tip() {
        advance();
        return tip;
    }

    /** The first height served. */
    public long first() {
        return first;
    }

    /** The active block at {@code height}, or empty outside first…tip. */
    public synchronized Optional<Entry> at(long height) {
        advance();
        return height < first || height > tip ? Optional.empty() : Optional.of(active.get(height));
    }

    /** Any block the devnet has served (active or abandoned), by display hash. */
    public synchronized Optional<Entry> byHash(String displayHash) {
        advance();
        return Optional.ofNullable(known.get(displayHash));
    }

    /** Whether {@code e} is on the active chain (at or below the tip). */
    public synchronized boolean isActive(Entry e) {
        Entry a = active.get(e.height());
        return a != null && e.height() <= tip && Arrays.equals(a.hash(), e.hash());
    }

    /** The active block above {@code e}, if any. */
    public synchronized Optional<Entry> next(Entry e) {
        return isActive(e) && e.height() < tip ? Optional.of(active.get(e.height() + 1)) : Optional.empty();
    }

    /** The block's bytes, and notes that a client fetched it (the trigger of a scripted reorg). */
    public byte[] fetch(Entry e) {
        synchronized (this) {
            Map.Entry<Long, Integer> next = pendingReorgs.firstEntry();
            if (next != null && e.height() == next.getKey() && isActive(e)) {
                pendingFetched = true;
            }
        }
        return bytes(e);
    }

    /** The serialized block of an entry. */
    public byte[] bytes(Entry e) {
        if (e.branch() == 0) {
            return dir.read(e.height());
        }
        Block.Header header = e.parsedHeader();
        Block b = branchBlock(e.height(), e.branch(), header.prevHash(), header.time());
        return b.serialize();
    }

    /** Replaces the last {@code depth} blocks by a new branch one block longer; returns what changed. */
    public synchronized Reorg reorg(int depth) {
        advance();
        long oldTip = tip;
        long fork = tip - depth + 1;
        if (depth < 1 || depth > MAX_REORG_DEPTH || fork <= first) {
            throw new IllegalArgumentException("the depth must be 1…" + MAX_REORG_DEPTH + " and below the tip's "
                    + (tip - first) + " blocks above the first (tip " + tip + ")");
        }
        // a scripted reorg waiting at or below this tip is superseded (the tip never goes down)
        if (pendingReorgs.headMap(oldTip, true).keySet().removeIf(h -> true)) {
            pendingFetched = false;
        }
        Reorg r = reorgLocked(depth);
        capAtPendingReorg();
        return new Reorg(r.forkHeight(), oldTip, r.newTip(), r.branch(), r.newTipHash());
    }

    private Reorg reorgLocked(int depth) {
        long oldTip = tip;
        long fork = tip - depth + 1;
        int branch = ++branches;
        segments.tailMap(fork, true).clear();
        segments.put(fork, branch);
        active.tailMap(fork, true).clear();
        tip = oldTip + 1;
        chainMax = Math.max(chainMax, tip);
        ensureEntries();
        return new Reorg(fork, oldTip, tip, branch, active.get(tip).displayHash());
    }

    private Entry derive(long height, int branch, Entry parent) {
        if (branch == 0) {
            throw new IllegalStateException("branch 0 has no block at " + height);
        }
        int parentTime = parent.parsedHeader().time();
        Block b = branchBlock(height, branch, parent.hash(), parentTime + 600);
        byte[] header = b.header().serialize();
        return new Entry(height, branch, Hash256.sha256d(header), header);
    }

    /**
     * Branch {@code branch}'s block at {@code height}: the directory's block with the branch tag in its coinbase
     * script, or above the directory a coinbase-only block; linked to {@code prevHash}.
     */
    private Block branchBlock(long height, int branch, byte[] prevHash, int timeAbove) {
        byte[] tag = ("devnet branch " + branch).getBytes(StandardCharsets.US_ASCII);
        if (height <= fileLast) {
            Block original;
            try {
                original = Block.parse(dir.read(height));
            } catch (MalformedBlockException e) {
                throw new JshrewException(
                        ErrorCode.INPUT, "block file for height " + height + " is malformed: " + e.getMessage(), e);
            }
            List<Tx> txs = new ArrayList<>(original.txs());
            txs.set(0, Coinbase.retag(txs.getFirst(), tag));
            Block retagged = new Block(original.header().withPrevHash(prevHash), txs);
            return new Block(retagged.header().withMerkleRoot(retagged.computeMerkleRoot()), txs);
        }
        // OP_TRUE, as regtest's anyone-can-spend outputs
        Tx coinbase = Coinbase.create(height, tag, List.of(new Tx.Output(50_0000_0000L, new byte[] {0x51})), null);
        Block.Header header = new Block.Header(0x2000_0000, prevHash, coinbase.txid(), timeAbove, 0x207f_ffff, branch);
        return new Block(header, List.of(coinbase));
    }

    /** Median of the times of {@code e} and up to ten blocks before it (BIP113's median time past). */
    public synchronized long medianTime(Entry e) {
        List<Integer> times = new ArrayList<>();
        Entry cur = e;
        for (int i = 0; i < 11 && cur != null; i++) {
            Block.Header h = cur.parsedHeader();
            times.add(h.time());
            cur = known.get(Hash256.display(h.prevHash()));
        }
        times.sort(null);
        return Integer.toUnsignedLong(times.get(times.size() / 2));
    }
}
