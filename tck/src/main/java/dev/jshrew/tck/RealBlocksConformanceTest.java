package dev.jshrew.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.engine.EngineCapability;
import dev.jshrew.host.EngineRegistry;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.ResetMode;
import dev.jshrew.host.RunOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.NavigableMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The "spendables" indexer over every real mainnet block in {@code ../shared/data/blocks}, in both of its builds:
 * Rust ({@code guests/spendables}, Debian's rustc for wasm32, dlmalloc growing memory with {@code memory.grow}) and
 * AssemblyScript ({@code guests/spendables-as}: the runtime's TLSF allocator and incremental GC, a start function,
 * {@code abort}). Answers are checked against the blocks README (hashes) and an independent Java parse (counts,
 * values), and the two builds must write the same keys and values, block for block.
 */
public abstract class RealBlocksConformanceTest extends EngineTest {

    static byte[] u32(long v) {
        return ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt((int) v)
                .array();
    }

    static final String RUST = "spendables/spendables.wasm";
    static final String ASSEMBLYSCRIPT = "spendables-as/spendables-as.wasm";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {RUST, ASSEMBLYSCRIPT})
    @DisplayName("spendables indexes every real block; views answer what the README and an independent parse say")
    void realBlocks(String guest) {
        NavigableMap<Long, Fixtures.RealBlock> blocks = Fixtures.realBlocks();
        try (Harness h = new Harness(
                engineName(),
                engineOptions(),
                guest,
                temp.resolve(guest.replace('/', '-')),
                Harness.testOptions(ResetMode.FAST))) {
            for (Fixtures.RealBlock block : blocks.values()) {
                var result = h.index(block.height(), block.bytes());
                assertThat(Hashes.hex(result.blockHash())).isEqualTo(block.hash());
            }
            long tip = blocks.lastKey();
            for (Fixtures.RealBlock block : blocks.values()) {
                assertThat(Hashes.hex(h.view("blockhash", u32(block.height()), tip)))
                        .as("blockhash at %d", block.height())
                        .isEqualTo(block.hash());
                BlockStats stats = BlockStats.of(block.bytes());
                assertThat(h.view("stats", u32(block.height()), tip))
                        .as("stats at %d", block.height())
                        .isEqualTo(stats.encoded());
                assertThat(h.store().blockWrites(block.height()))
                        .as("keys written at %d", block.height())
                        .isNotEmpty();
            }
            // The genesis coinbase output: 50 BTC to Satoshi's key, one entry, height 0, txid 4a5e1e4b...
            byte[] genesis = blocks.firstEntry().getValue().bytes();
            byte[] script = java.util.Arrays.copyOfRange(genesis, genesis.length - 4 - 67, genesis.length - 4);
            assertThat(script[0]).isEqualTo((byte) 0x41);
            byte[] outputs = h.view("outputsbyscript", script, tip);
            ByteBuffer out = ByteBuffer.wrap(outputs).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(out.getInt()).isEqualTo(1);
            byte[] txid = new byte[32];
            out.get(txid);
            byte[] display = new byte[32];
            for (int i = 0; i < 32; i++) {
                display[i] = txid[31 - i];
            }
            assertThat(HexFormat.of().formatHex(display))
                    .isEqualTo("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b");
            assertThat(out.getInt()).isZero();
            assertThat(out.getLong()).isEqualTo(50L * 100_000_000L);
            assertThat(out.getInt()).isZero();
            // Before genesis was indexed... there is no "before": the view at height 0 sees it too.
            assertThat(h.view("outputsbyscript", script, 0)).isEqualTo(outputs);
        }
    }

    @Test
    @DisplayName("the AssemblyScript build writes what the Rust build writes, block for block, with equal state roots")
    void assemblyScriptEqualsRust() {
        assertThat(writesAndRoots(ASSEMBLYSCRIPT)).containsExactlyElementsOf(writesAndRoots(RUST));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {RUST, ASSEMBLYSCRIPT})
    @DisplayName("the key filter changes no write and no root; with KEY_FILTER the store sees fewer reads")
    void theKeyFilterChangesNoWrite(String guest) {
        // A small filter (64 KiB, 524,288 bits for the blocks' tens of thousands of keys): false positives too.
        RunOptions filtered = Harness.testOptions(ResetMode.FAST).withKeyFilter(64 << 10);
        RunOptions plain = Harness.testOptions(ResetMode.FAST).withKeyFilter(0);
        java.util.List<String> withFilter = new java.util.ArrayList<>(), without = new java.util.ArrayList<>();
        long[] reads = new long[2];
        java.util.List<Fixtures.RealBlock> blocks =
                java.util.List.copyOf(Fixtures.realBlocks().values());
        Path db = temp.resolve("filtered-" + guest.replace('/', '-'));
        boolean honoured;
        // the filtered run stops halfway and opens the store again: the second filter is built from its keys
        for (java.util.List<Fixtures.RealBlock> half : java.util.List.of(
                blocks.subList(0, blocks.size() / 2), blocks.subList(blocks.size() / 2, blocks.size()))) {
            try (Harness h = new Harness(engineName(), engineOptions(), guest, db, filtered)) {
                honoured = h.module().engine().capabilities().contains(EngineCapability.KEY_FILTER);
                assertThat(h.awaitKeyFilter())
                        .as("a filter of the stored keys, where the engine uses one")
                        .isEqualTo(honoured);
                reads[0] += indexAll(h, half, withFilter);
            }
        }
        try (Harness h = new Harness(
                engineName(), engineOptions(), guest, temp.resolve("plain-" + guest.replace('/', '-')), plain)) {
            honoured = h.module().engine().capabilities().contains(EngineCapability.KEY_FILTER);
            reads[1] += indexAll(h, blocks, without);
        }
        assertThat(withFilter).containsExactlyElementsOf(without);
        if (honoured) {
            assertThat(reads[0])
                    .as("store reads with the filter, of %d without", reads[1])
                    .isLessThan(reads[1]);
        } else {
            assertThat(reads[0])
                    .as("an engine without KEY_FILTER reads every key")
                    .isEqualTo(reads[1]);
        }
    }

    @ParameterizedTest(name = "{0}, overlapped commits: {1}")
    @CsvSource({RUST + ",false", RUST + ",true", ASSEMBLYSCRIPT + ",true"})
    @DisplayName("the read cache and its value table change no write and no root, across a failed block and a reorg")
    void theReadCacheChangesNoWrite(String guest, boolean overlap) {
        // large enough to keep every key the blocks read: a value the reorg made stale would be found (eviction has
        // tests of its own, in host's ReadCacheTest)
        RunOptions cached = Harness.testOptions(ResetMode.FAST).withReadCache(16 << 20);
        String name = guest.replace('/', '-') + "-" + overlap;
        long[] withTable = readCacheScript(guest, overlap, cached, temp.resolve("table-" + name));
        long[] withCache = readCacheScript(guest, overlap, cached.withValueTable(0), temp.resolve("cached-" + name));
        long[] without = readCacheScript(guest, overlap, cached.withReadCache(0), temp.resolve("uncached-" + name));
        assertThat(withCache[2])
                .as("blocks' roots and writes, cache against none")
                .isEqualTo(without[2]);
        assertThat(withTable[2])
                .as("blocks' roots and writes, cache and value table against none")
                .isEqualTo(without[2]);
        assertThat(withCache[0])
                .as("reads the host answered, cache against none")
                .isEqualTo(without[0]);
        assertThat(without[1]).as("cache hits without a cache").isZero();
        assertThat(withCache[1])
                .as("cache hits, of %d host reads", withCache[0])
                .isPositive();
        boolean honoured =
                EngineRegistry.load().resolve(engineName()).capabilities().contains(EngineCapability.VALUE_TABLE);
        if (honoured) {
            assertThat(withTable[0])
                    .as("reads the host answered with the value table, of %d without", withCache[0])
                    .isLessThan(withCache[0]);
        } else {
            assertThat(withTable[0])
                    .as("an engine without VALUE_TABLE answers no read in the guest")
                    .isEqualTo(withCache[0]);
        }
    }

    /**
     * Indexes two real blocks over and over at consecutive heights (the same block again reads what it wrote), with a
     * block cut short (the guest fails after some reads) and a reorg of two blocks on the way. Returns the reads the
     * host answered, the cache's hits, and a hash of every block's root and of the store's writes at every height.
     */
    private long[] readCacheScript(String guest, boolean overlap, RunOptions options, Path db) {
        NavigableMap<Long, Fixtures.RealBlock> real = Fixtures.realBlocks();
        byte[] a = real.get(772904L).bytes();
        byte[] b = real.get(840243L).bytes();
        long base = 900_000;
        long[] out = new long[3];
        java.security.MessageDigest digest = Hashes.sha256();
        try (Harness h = new Harness(engineName(), engineOptions(), guest, db, options, overlap)) {
            java.util.function.BiConsumer<Long, byte[]> index = (height, block) -> {
                var result = h.index(height, block);
                out[0] += result.storeReads();
                out[1] += result.cacheHits();
                digest.update(result.stateRoot());
            };
            index.accept(base, a);
            index.accept(base + 1, a);
            index.accept(base + 2, a);
            index.accept(base + 3, b);
            // cut short: the guest runs out of transactions and fails after some reads; nothing is committed
            byte[] cut = java.util.Arrays.copyOf(a, a.length / 2);
            EngineConformanceTest.failure(() -> h.index(base + 4, cut));
            index.accept(base + 4, a);
            index.accept(base + 5, a);
            h.indexer().awaitCommitted();
            h.store().rollbackTo(base + 3); // a reorg: heights 4 and 5 again, with other blocks
            index.accept(base + 4, b);
            index.accept(base + 5, a);
            index.accept(base + 6, a);
            h.indexer().awaitCommitted();
            for (long height = base; height <= base + 6; height++) {
                digest.update(String.join(
                                "\n", EngineConformanceTest.hexDump(h.store().blockWrites(height)))
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        out[2] = ByteBuffer.wrap(digest.digest()).getLong();
        return out;
    }

    /** Indexes {@code blocks}, adding a line per block to {@code out}; returns the store reads they made. */
    private static long indexAll(Harness h, java.util.List<Fixtures.RealBlock> blocks, java.util.List<String> out) {
        long reads = 0;
        for (Fixtures.RealBlock block : blocks) {
            var result = h.index(block.height(), block.bytes());
            reads += result.storeReads();
            out.add(block.height() + " "
                    + EngineConformanceTest.hexDump(h.store().blockWrites(block.height())) + " root "
                    + Hashes.hex(result.stateRoot()));
        }
        return reads;
    }

    /** Per real block: height, the block's writes as hex lines, and the state root. */
    private java.util.List<String> writesAndRoots(String guest) {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (Harness h = new Harness(
                engineName(),
                engineOptions(),
                guest,
                temp.resolve("same-" + guest.replace('/', '-')),
                Harness.testOptions(ResetMode.FAST))) {
            for (Fixtures.RealBlock block : Fixtures.realBlocks().values()) {
                var result = h.index(block.height(), block.bytes());
                out.add(block.height() + " "
                        + EngineConformanceTest.hexDump(h.store().blockWrites(block.height())) + " root "
                        + Hashes.hex(result.stateRoot()));
            }
        }
        assertThat(out).hasSize(Fixtures.realBlocks().size());
        return out;
    }
}
