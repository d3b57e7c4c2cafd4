package dev.jshrew.node.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.host.Hashes;
import dev.jshrew.node.chain.Backoff;
import dev.jshrew.node.chain.BitcoindAuth;
import dev.jshrew.node.chain.BitcoindClient;
import dev.jshrew.node.chain.FakeBitcoind;
import dev.jshrew.node.chain.RegtestChain;
import dev.jshrew.tck.Fixtures;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sync loop against a fake bitcoind serving real consensus-serialized blocks: start and exit (C-68, C-69),
 * the bytes the guest gets (C-70), retries (C-71), block checks (C-49, C-50), failed blocks (C-33) and reorgs
 * (C-45…C-48, C-51), each compared with a node that only ever saw the final branch.
 */
class SyncTest {
    @TempDir
    Path temp;

    static NavigableMap<Long, Fixtures.RealBlock> real;
    static RegtestChain genesis;

    @BeforeAll
    static void blocks() {
        real = Fixtures.realBlocks();
        genesis = RegtestChain.startingWith(real.get(0L).bytes());
    }

    static RegtestChain chain(RegtestChain base, int more, String branch) {
        return base.extend(more, branch, RegtestChain.sharedAndUnique(branch));
    }

    private int dbs;

    TestNode node(String guest) {
        return new TestNode(guest, temp.resolve("db" + (dbs++)));
    }

    /** What a node that only ever saw {@code chain} (heights 0…tip) has. */
    List<String> cleanSummary(RegtestChain c) throws Exception {
        try (FakeBitcoind fake = new FakeBitcoind().serve(c);
                TestNode clean = node(TestNode.SPENDABLES)) {
            clean.sync(new BitcoindClient(fake.url(), BitcoindAuth.none()), 0, c.size());
            return clean.chainSummary(c.tip() + 3);
        }
    }

    /** Hashes, roots and per-block writes at every height (and three above the tip) equal a clean node's. */
    void assertSameAsClean(TestNode n, RegtestChain c) throws Exception {
        assertThat(n.chainSummary(c.tip() + 3)).isEqualTo(cleanSummary(c));
    }

    static List<Long> requestedHeights(FakeBitcoind fake) {
        return fake.calls("getblockhash").stream()
                .map(c -> Long.parseLong(c.params().replaceAll("[\\[\\]]", "")))
                .toList();
    }

    @Test
    void exitAtIndexesExactlyZeroToEMinusOneAndNeverFetchesE() throws Exception {
        RegtestChain a = chain(genesis, 9, "a");
        try (FakeBitcoind fake = new FakeBitcoind().serve(a);
                TestNode n = node(TestNode.SPENDABLES)) {
            long done = n.sync(new BitcoindClient(fake.url(), BitcoindAuth.none()), 0, 6);
            assertThat(done).isEqualTo(6);
            assertThat(n.store.tip()).hasValue(5);
            for (long h = 0; h <= 5; h++) {
                assertThat(n.store.blockHash(h)).get().isEqualTo(a.hash(h));
            }
            assertThat(n.store.blockHash(6)).isEmpty();
            assertThat(requestedHeights(fake)).allMatch(h -> h < 6);
            // Already at exit-at: returns at once, fetching nothing.
            int calls = fake.calls().size();
            assertThat(n.sync(new BitcoindClient(fake.url(), BitcoindAuth.none()), 0, 6))
                    .isZero();
            assertThat(fake.calls()).hasSize(calls);
        }
    }

    @Test
    void resumesAboveTheTipAndSkipsToAHigherStartBlock() throws Exception {
        RegtestChain a = chain(genesis, 11, "a");
        try (FakeBitcoind fake = new FakeBitcoind().serve(a);
                TestNode n = node(TestNode.SPENDABLES)) {
            BitcoindClient rpc = new BitcoindClient(fake.url(), BitcoindAuth.none());
            n.sync(rpc, 0, 1);
            assertThat(n.store.tip()).hasValue(0);
            int before = fake.calls("getblockhash").size();
            n.sync(rpc, 0, 4); // indexed height 0 is a tip like any other: resume at 1, not 0
            assertThat(requestedHeights(fake).get(before)).isEqualTo(1L);
            assertThat(n.store.tip()).hasValue(3);
            before = fake.calls("getblockhash").size();
            n.sync(rpc, 7, 9); // --start-block above the tip skips 4…6
            assertThat(requestedHeights(fake).get(before)).isEqualTo(7L);
            assertThat(n.store.blockHash(4)).isEmpty();
            assertThat(n.store.blockHash(6)).isEmpty();
            assertThat(n.store.blockHash(7)).get().isEqualTo(a.hash(7));
            assertThat(n.store.tip()).hasValue(8);
            before = fake.calls("getblockhash").size();
            n.sync(rpc, 2, 10); // a start block below the tip changes nothing: resume at 9
            assertThat(requestedHeights(fake).get(before)).isEqualTo(9L);
        }
    }

    @Test
    void theGuestGetsGetblockBytesUnchangedWitnessIncluded() throws Exception {
        Fixtures.RealBlock segwit = real.get(840243L);
        // A segwit block: the first transaction after the header and tx count has the marker 00 and flag 01.
        assertThat(Arrays.copyOfRange(segwit.bytes(), 80 + 3 + 4, 80 + 3 + 6)).containsExactly(0, 1);
        NavigableMap<Long, byte[]> served = new TreeMap<>();
        served.put(840243L, segwit.bytes());
        try (FakeBitcoind fake = new FakeBitcoind().serve(served);
                TestNode n = new TestNode(TestNode.ECHO, "echo.wasm", temp.resolve("echo"))) {
            n.sync(new BitcoindClient(fake.url(), BitcoindAuth.none()), 840243, 840244);
            byte[] input = n.store.blockWrites(840243).get("i".getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.writeBytes(TestNode.u32(840243));
            expected.writeBytes(segwit.bytes());
            assertThat(input).isEqualTo(expected.toByteArray());
            assertThat(Hashes.hex(n.store.blockHash(840243).orElseThrow())).isEqualTo(segwit.hash());
        }
    }

    @Test
    void transientFailuresAreRetriedWithExponentialBackoffWithoutSkippingAHeight() throws Exception {
        RegtestChain a = chain(genesis, 5, "a");
        try (FakeBitcoind fake = new FakeBitcoind().serve(a);
                TestNode n = node(TestNode.SPENDABLES)) {
            fake.failNext("getblockcount", 4);
            fake.failNext("getblock", 2);
            long initial = 50;
            var options = new SyncOptions(
                    0,
                    OptionalLong.of(6),
                    100,
                    4,
                    Duration.ofMillis(40),
                    Backoff.startingAt(Duration.ofMillis(initial)));
            new Sync(
                            new BitcoindClient(fake.url(), BitcoindAuth.none()),
                            n.indexer,
                            n.state,
                            options,
                            new SyncListener() {})
                    .run();
            List<FakeBitcoind.Call> counts = fake.calls("getblockcount");
            assertThat(counts.size()).isGreaterThanOrEqualTo(5);
            // Four failures, then success: sleeps of about 50, 100, 200, 400 ms (+ at most 5 ms jitter).
            for (int i = 1; i <= 4; i++) {
                long gapMs = (counts.get(i).nanos() - counts.get(i - 1).nanos()) / 1_000_000;
                long expected = initial << (i - 1);
                assertThat(gapMs).as("gap before attempt " + (i + 1)).isBetween(expected, expected + 1_000);
            }
            assertThat(requestedHeights(fake)).isSorted().containsSequence(0L, 1L, 2L, 3L, 4L, 5L);
            assertSameAsClean(n, a);
        }
    }

    @Test
    void aBlockThatIsNotBitcoindsBlockForItsHeightIsRejectedAndFetchedAgain() throws Exception {
        RegtestChain a = chain(genesis, 5, "a");
        try (FakeBitcoind fake = new FakeBitcoind().serve(a);
                TestNode n = node(TestNode.SPENDABLES)) {
            fake.serveWrongBlock(3, 2);
            n.sync(new BitcoindClient(fake.url(), BitcoindAuth.none()), 0, 6);
            long fetchesOf3 = fake.calls("getblock").stream()
                    .filter(c -> c.params().contains(Hashes.hex(a.hash(3))))
                    .count();
            assertThat(fetchesOf3).isGreaterThanOrEqualTo(3);
            assertSameAsClean(n, a);
        }
    }

    @Test
    void aFailedBlockIsRunAgainAtTheSameHeightNeverSkipped() throws Exception {
        RegtestChain a = chain(genesis, 5, "a");
        // Height 3 first has a block the guest cannot parse (a valid header, then garbage): spendables traps.
        byte[] broken = Arrays.copyOf(a.block(3), 200);
        Arrays.fill(broken, 81, 200, (byte) 0xFF);
        NavigableMap<Long, byte[]> bad = new TreeMap<>();
        for (int h = 0; h <= 3; h++) {
            bad.put((long) h, h == 3 ? broken : a.block(h));
        }
        try (FakeBitcoind fake = new FakeBitcoind().serve(bad);
                TestNode n = node(TestNode.SPENDABLES)) {
            n.startLive(new BitcoindClient(fake.url(), BitcoindAuth.none()), TestNode.options(0, 6L));
            TestNode.await(
                    "two failed runs of block 3",
                    () -> fake.calls("getblock").stream()
                                    .filter(c -> c.params()
                                            .contains(Hashes.hex(dev.jshrew.host.bitcoin.BlockHeader.hash(broken))))
                                    .count()
                            >= 2);
            assertThat(n.store.tip()).hasValue(2);
            fake.serve(a); // bitcoind now has the good block 3 (and 4, 5)
            TestNode.await("tip 5", () -> n.store.tip().orElse(-1) == 5);
            n.stopLive();
            assertSameAsClean(n, a);
        }
    }

    @Test
    void aLongerBranchIsDetectedByPreviousHashRolledBackToTheForkAndReindexed() throws Exception {
        RegtestChain a = chain(genesis, 8, "a");
        RegtestChain b = chain(a.prefix(4), 7, "b");
        try (FakeBitcoind fake = new FakeBitcoind().serve(a);
                TestNode n = node(TestNode.SPENDABLES)) {
            BitcoindClient rpc = new BitcoindClient(fake.url(), BitcoindAuth.none());
            n.sync(rpc, 0, 9);
            assertThat(n.store.tip()).hasValue(8);
            fake.serve(b);
            int before = fake.calls("getblockhash").size();
            n.sync(rpc, 0, 12);
            // Block 9 of b does not connect to a's 8 (C-49); the walk compares 8, 7, 6, 5 (mismatch) and 4 (match),
            // then
            // re-indexes. The fetcher that ran ahead from 9 may still ask for 10, 11, … while the walk runs: only
            // heights
            // at or below the old tip come from the walk (and from the new fetcher, once the walk has ended).
            List<Long> requested = requestedHeights(fake);
            List<Long> after = requested.subList(before, requested.size());
            assertThat(after.stream().filter(h -> h <= 8).toList()).containsSequence(8L, 7L, 6L, 5L, 4L, 5L);
            assertSameAsClean(n, b);
            assertViewsEqual(n, b, List.of("a", "b"));
        }
    }

    @Test
    void aShorterOrEqualBranchIsDetectedAtTheTipAndRolledBackCompletely() throws Exception {
        RegtestChain a = chain(genesis, 8, "a");
        try (FakeBitcoind fake = new FakeBitcoind().serve(a);
                TestNode n = node(TestNode.SPENDABLES)) {
            BitcoindClient rpc = new BitcoindClient(fake.url(), BitcoindAuth.none());
            n.startLive(rpc, TestNode.options(0, null));
            TestNode.await("tip 8", () -> n.store.tip().orElse(-1) == 8);
            int opTrueAt5 = n.outputCount(new byte[] {0x51}, 5);

            // bitcoind's chain shrinks to 0…5: the stored tip's hash is no longer bitcoind's (C-45).
            fake.serve(a.prefix(5));
            TestNode.await("rollback to 5", () -> n.store.tip().orElse(-1) == 5);
            // C-48: hashes and roots above the fork point are gone.
            for (long h = 6; h <= 8; h++) {
                assertThat(n.store.blockHash(h)).isEmpty();
                assertThat(n.store.stateRoot(h)).isEmpty();
            }
            // C-46: values written only by orphaned blocks read as missing at every height; shared keys read as of 5.
            for (long h = 6; h <= 8; h++) {
                for (long v : new long[] {5, 8, 100}) {
                    assertThat(n.outputCount(RegtestChain.p2pkh("a/" + h), v)).isZero();
                }
            }
            assertThat(n.outputCount(new byte[] {0x51}, 100))
                    .isEqualTo(opTrueAt5)
                    .isEqualTo(5);

            // Then a competing branch from 5 (longer), and one of the same length forking lower, at 3.
            RegtestChain b = chain(a.prefix(5), 4, "b");
            fake.serve(b);
            TestNode.await(
                    "tip b/9",
                    () -> n.store
                            .blockHash(9)
                            .map(x -> Arrays.equals(x, b.hash(9)))
                            .orElse(false));
            RegtestChain c = chain(a.prefix(3), 6, "c");
            fake.serve(c);
            TestNode.await(
                    "tip c/9",
                    () -> n.store
                            .blockHash(9)
                            .map(x -> Arrays.equals(x, c.hash(9)))
                            .orElse(false));
            n.stopLive();
            assertSameAsClean(n, c);
            assertViewsEqual(n, c, List.of("a", "b", "c"));
        }
    }

    /** C-47: every view at every height equals that of a node that only saw {@code chain}. */
    void assertViewsEqual(TestNode n, RegtestChain chain, List<String> branches) throws Exception {
        try (FakeBitcoind fake = new FakeBitcoind().serve(chain);
                TestNode clean = node(TestNode.SPENDABLES)) {
            clean.sync(new BitcoindClient(fake.url(), BitcoindAuth.none()), 0, chain.size());
            List<byte[]> scripts = new ArrayList<>();
            scripts.add(new byte[] {0x51});
            for (String branch : branches) {
                for (long h = 1; h <= chain.tip() + 2; h++) {
                    scripts.add(RegtestChain.p2pkh(branch + "/" + h));
                }
            }
            for (long v = 0; v <= chain.tip() + 1; v++) {
                for (byte[] s : scripts) {
                    assertThat(n.view("outputsbyscript", s, v))
                            .as("outputsbyscript at " + v)
                            .isEqualTo(clean.view("outputsbyscript", s, v));
                }
                assertThat(n.view("stats", TestNode.u32(v), v)).isEqualTo(clean.view("stats", TestNode.u32(v), v));
                assertThat(n.view("blockhash", TestNode.u32(v), v))
                        .isEqualTo(clean.view("blockhash", TestNode.u32(v), v));
            }
        }
    }

    @Test
    void rollbackRemovesMoreThan100000Keys() throws Exception {
        int outputs = 50_001;
        List<RegtestChain.Output> many = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            many.add(new RegtestChain.Output(i, RegtestChain.p2pkh("big/" + i)));
        }
        RegtestChain a = genesis.extend(1, "a", h -> many).extend(1, "a", RegtestChain.sharedAndUnique("a"));
        RegtestChain b = chain(genesis, 3, "b");
        try (FakeBitcoind fake = new FakeBitcoind().serve(a);
                TestNode n = node(TestNode.SPENDABLES)) {
            BitcoindClient rpc = new BitcoindClient(fake.url(), BitcoindAuth.none());
            n.sync(rpc, 0, 3);
            NavigableMap<byte[], byte[]> orphaned = n.store.blockWrites(1);
            assertThat(orphaned.size()).isGreaterThan(100_000);
            fake.serve(b);
            n.sync(rpc, 0, 4);
            assertSameAsClean(n, b);
            for (byte[] key : orphaned.keySet()) {
                if (!new String(key, StandardCharsets.ISO_8859_1).startsWith("/outputs/")) {
                    continue; // /height, /blockhash/1 and /stats/1 are rewritten by b's block 1
                }
                assertThat(n.store.get(key, 3)).isEmpty();
                assertThat(n.store.get(key, 1)).isEmpty();
            }
            assertThat(n.outputCount(RegtestChain.p2pkh("big/7"), 3)).isZero();
        }
    }

    @Test
    void aReorgDeeperThanTheLimitStopsWithAnErrorAndRollsNothingBack() throws Exception {
        RegtestChain a = chain(genesis, 8, "a");
        RegtestChain b = chain(a.prefix(2), 8, "b");
        try (FakeBitcoind fake = new FakeBitcoind().serve(a);
                TestNode n = node(TestNode.SPENDABLES)) {
            BitcoindClient rpc = new BitcoindClient(fake.url(), BitcoindAuth.none());
            n.sync(rpc, 0, 9);
            List<String> before = n.chainSummary(8);
            fake.serve(b);
            var options = new SyncOptions(
                    0, OptionalLong.of(11), 3, 4, Duration.ofMillis(40), Backoff.startingAt(Duration.ofMillis(20)));
            Sync sync = new Sync(rpc, n.indexer, n.state, options, new SyncListener() {});
            assertThatThrownBy(sync::run)
                    .isInstanceOf(JshrewException.class)
                    .satisfies(e -> assertThat(((JshrewException) e).code()).isEqualTo(ErrorCode.INPUT))
                    .hasMessageContaining("reorg deeper than --max-reorg-depth 3");
            assertThat(n.chainSummary(8)).isEqualTo(before);
        }
    }

    @Test
    void aBlockStillRunningIsLoggedEveryIntervalAndExportedAsItsRunningTime() throws Exception {
        String previous = System.setProperty(Sync.RUNNING_LOG_PROPERTY, "100");
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(Sync.class.getName());
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                lines.add(r.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        jul.addHandler(handler);
        try (TestNode node =
                new TestNode(Fixtures.guest("wat/long-start.wasm"), "long-start.wasm", temp.resolve("db"))) {
            NavigableMap<Long, byte[]> blocks = new TreeMap<>();
            for (long h = 0; h < 2; h++) {
                byte[] block = new byte[84];
                block[76] = (byte) h;
                block[80] = (byte) (h == 0 ? 60 : 0); // block 0: 60 million host calls (seconds), block 1: none
                blocks.put(h, block);
            }
            Sync sync = new Sync(
                    new dev.jshrew.node.chain.FixedChainSource<>(blocks, (h, b) -> b, "test blocks"),
                    node.indexer,
                    node.state,
                    TestNode.options(0, 2L),
                    new SyncListener() {});
            java.util.concurrent.atomic.AtomicReference<Throwable> failure =
                    new java.util.concurrent.atomic.AtomicReference<>();
            Thread runner = Thread.ofPlatform().start(() -> {
                try {
                    sync.run();
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            TestNode.await("a running line", () -> lines.stream().anyMatch(l -> l.startsWith("block 0 running for ")));
            double seen = sync.runningSeconds();
            runner.join(Duration.ofMinutes(2));
            assertThat(runner.isAlive()).isFalse();
            assertThat(failure.get()).isNull();
            assertThat(seen).isGreaterThan(0.09);
            assertThat(sync.runningSeconds()).isZero();
            assertThat(node.state.tip()).isEqualTo(1);
            assertThat(lines).allMatch(l -> !l.startsWith("block") || l.matches("block 0 running for \\d+ s"));
            assertThat(lines).noneMatch(l -> l.startsWith("block 1 running"));
        } finally {
            jul.removeHandler(handler);
            if (previous == null) {
                System.clearProperty(Sync.RUNNING_LOG_PROPERTY);
            } else {
                System.setProperty(Sync.RUNNING_LOG_PROPERTY, previous);
            }
        }
    }
}
