package dev.jshrew.devnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.JshrewException;
import dev.jshrew.devnet.consensus.Block;
import dev.jshrew.devnet.consensus.Coinbase;
import dev.jshrew.devnet.consensus.Hash256;
import dev.jshrew.devnet.consensus.Tx;
import dev.jshrew.tck.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code devnet synthesize} over the real mainnet blocks: same bytes for a seed, and a valid re-chained chain. */
class SynthesizerTest {
    @TempDir
    Path temp;

    static Path realBlocks() {
        return Fixtures.sharedDir().resolve("data/blocks");
    }

    static Synthesizer.Summary synthesize(Path out, int count, long seed, long start, int size) {
        return Synthesizer.run(new Synthesizer.Options(realBlocks(), count, seed, out, start, size));
    }

    static Map<String, byte[]> files(Path dir) throws Exception {
        Map<String, byte[]> m = new HashMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : list.toList()) {
                m.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    @Test
    void theSameSeedWritesTheSameBytesAndAnotherSeedOthers() throws Exception {
        synthesize(temp.resolve("a"), 6, 7, 840_000, 60_000);
        synthesize(temp.resolve("b"), 6, 7, 840_000, 60_000);
        synthesize(temp.resolve("c"), 6, 8, 840_000, 60_000);
        Map<String, byte[]> a = files(temp.resolve("a"));
        Map<String, byte[]> b = files(temp.resolve("b"));
        assertThat(a.keySet()).hasSize(6).contains("devnet-0840000.hex", "devnet-0840005.hex");
        for (String name : a.keySet()) {
            assertThat(b.get(name)).as(name).isEqualTo(a.get(name));
        }
        assertThat(files(temp.resolve("c")).get("devnet-0840005.hex")).isNotEqualTo(a.get("devnet-0840005.hex"));
    }

    @Test
    void everyInputSpendsAnEarlierOutputAndHeadersMerkleRootsAndCoinbasesAreValid() throws Exception {
        int count = 130; // past coinbase maturity, so matured coinbase outputs are spent too
        Synthesizer.Summary s = synthesize(temp.resolve("chain"), count, 42, 0, 12_000);
        BlockDirectory dir = BlockDirectory.open(temp.resolve("chain"));
        assertThat(dir.files().keySet()).hasSize(count).first().isEqualTo(0L);

        Map<String, Created> unspent = new HashMap<>();
        byte[] prev = new byte[32];
        long txs = 0;
        long spentMatureCoinbase = 0;
        for (long h = 0; h < count; h++) {
            byte[] bytes = dir.read(h);
            Block b = Block.parse(bytes);
            assertThat(b.serialize()).isEqualTo(bytes);
            assertThat(b.header().prevHash()).as("height %d links", h).isEqualTo(prev);
            b.verify(); // merkle root and witness commitment
            byte[] script = b.txs().getFirst().inputs().getFirst().script();
            byte[] bip34 = Coinbase.heightPrefix(h);
            assertThat(Arrays.copyOf(script, bip34.length)).isEqualTo(bip34);
            for (Tx tx : b.txs().subList(1, b.txs().size())) {
                txs++;
                for (Tx.Input in : tx.inputs()) {
                    String outpoint = Hash256.display(in.prevTxid()) + ":" + in.prevVout();
                    Created c = unspent.remove(outpoint);
                    assertThat(c)
                            .as("height %d spends %s, created earlier and unspent", h, outpoint)
                            .isNotNull();
                    if (c.coinbase() && c.height() > 0) {
                        assertThat(h - c.height()).isGreaterThanOrEqualTo(100);
                        spentMatureCoinbase++;
                    }
                }
                add(unspent, tx, h, false);
            }
            add(unspent, b.txs().getFirst(), h, true);
            prev = b.hash();
        }
        assertThat(txs).isEqualTo(s.transactions()).isGreaterThan(count * 5L);
        assertThat(spentMatureCoinbase).isPositive();
        assertThat(s.kinds().values()).allMatch(n -> n > 0);
    }

    record Created(long height, boolean coinbase) {}

    private static void add(Map<String, Created> unspent, Tx tx, long h, boolean coinbase) {
        String txid = Hash256.display(tx.txid());
        for (int v = 0; v < tx.outputs().size(); v++) {
            byte[] s = tx.outputs().get(v).script();
            if (s.length == 0 || s[0] != 0x6a) {
                assertThat(unspent.put(txid + ":" + v, new Created(h, coinbase)))
                        .isNull();
            }
        }
    }

    @Test
    void refusesANonEmptyOutputAndBadOptionsWithoutWriting() throws Exception {
        Path out = Files.createDirectories(temp.resolve("used"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        assertThatThrownBy(() -> synthesize(out, 2, 1, 0, 10_000))
                .isInstanceOf(JshrewException.class)
                .hasMessageContaining("not empty");
        assertThat(files(out)).containsOnlyKeys("keep.txt");
        assertThatThrownBy(() -> synthesize(temp.resolve("x"), 0, 1, 0, 10_000)).hasMessageContaining("--count");
        assertThatThrownBy(() -> Synthesizer.run(
                        new Synthesizer.Options(temp.resolve("missing"), 1, 1, temp.resolve("y"), 0, 10_000)))
                .hasMessageContaining("no block directory");
        assertThat(temp.resolve("x")).doesNotExist();
        assertThat(temp.resolve("y")).doesNotExist();
    }
}
