package dev.jshrew.node.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.node.chain.BitcoindAuth;
import dev.jshrew.node.chain.BitcoindClient;
import dev.jshrew.node.chain.FakeBitcoind;
import dev.jshrew.node.chain.RegtestChain;
import dev.jshrew.tck.Fixtures;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --reorg-check-threshold N} (METASHREW-ABI §4 detection A): a caught-up node compares the hashes of its N most
 * recent blocks with bitcoind's on every poll; with 0 it compares none, and a switch to a branch of the same length is
 * found only when the next block does not connect (detection B).
 */
class ReorgCheckThresholdTest {
    @TempDir
    Path temp;

    static RegtestChain genesis() {
        return RegtestChain.startingWith(Fixtures.realBlocks().get(0L).bytes());
    }

    /** The heights of the getblockhash calls from index {@code from} on. */
    static Set<Long> hashHeights(FakeBitcoind fake, int from) {
        List<FakeBitcoind.Call> calls = fake.calls("getblockhash");
        Set<Long> heights = new TreeSet<>();
        for (FakeBitcoind.Call c : calls.subList(from, calls.size())) {
            heights.add(Long.parseLong(c.params().replaceAll("[^0-9]", "")));
        }
        return heights;
    }

    @Test
    void aCaughtUpNodeComparesTheLastNHashesOnEveryPoll() throws Exception {
        RegtestChain a = SyncTest.chain(genesis(), 8, "a");
        try (FakeBitcoind fake = new FakeBitcoind().serve(a);
                TestNode n = new TestNode(TestNode.SPENDABLES, temp.resolve("db"))) {
            n.startLive(
                    new BitcoindClient(fake.url(), BitcoindAuth.none()),
                    TestNode.options(0, null).withReorgCheckThreshold(3));
            TestNode.await("tip 8", () -> n.store.tip().orElse(-1) == 8);
            int before = fake.calls("getblockhash").size();
            TestNode.await("three polls", () -> fake.calls("getblockhash").size() >= before + 9);
            assertThat(hashHeights(fake, before)).containsExactly(6L, 7L, 8L);
            n.stopLive();
        }
    }

    @Test
    void zeroComparesNothingAndTheNextBlockFindsTheReorg() throws Exception {
        RegtestChain a = SyncTest.chain(genesis(), 8, "a");
        RegtestChain c = SyncTest.chain(a.prefix(5), 3, "c"); // as long as a: 0…8, forking above 5
        try (FakeBitcoind fake = new FakeBitcoind().serve(a);
                TestNode n = new TestNode(TestNode.SPENDABLES, temp.resolve("db"))) {
            n.startLive(
                    new BitcoindClient(fake.url(), BitcoindAuth.none()),
                    TestNode.options(0, null).withReorgCheckThreshold(0));
            TestNode.await("tip 8", () -> n.store.tip().orElse(-1) == 8);
            fake.serve(c);
            int hashes = fake.calls("getblockhash").size();
            int counts = fake.calls("getblockcount").size();
            TestNode.await("five polls", () -> fake.calls("getblockcount").size() >= counts + 5);
            // No hash compared, so the equal-length branch goes unnoticed: the tip is still a's.
            assertThat(fake.calls("getblockhash")).hasSize(hashes);
            assertThat(n.store.blockHash(8))
                    .hasValueSatisfying(h -> assertThat(h).isEqualTo(a.hash(8)));

            RegtestChain longer = SyncTest.chain(c, 1, "c2");
            fake.serve(longer);
            TestNode.await(
                    "tip c2/9",
                    () -> n.store
                            .blockHash(9)
                            .map(h -> Arrays.equals(h, longer.hash(9)))
                            .orElse(false));
            for (long h = 6; h <= 9; h++) {
                assertThat(n.store.blockHash(h).orElseThrow()).as("hash " + h).isEqualTo(longer.hash(h));
            }
            n.stopLive();
        }
    }
}
