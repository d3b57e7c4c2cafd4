package dev.jshrew.devnet.consensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.tck.Fixtures;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.NavigableMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The consensus library against the real mainnet blocks of ../shared/data/blocks. */
class BlockSerializationTest {
    static NavigableMap<Long, Fixtures.RealBlock> real;

    @BeforeAll
    static void load() {
        real = Fixtures.realBlocks();
    }

    @Test
    void everyRealBlockRoundTripsByteForByteAndHashesToItsKnownHash() {
        assertThat(real).hasSizeGreaterThanOrEqualTo(10);
        for (Fixtures.RealBlock b : real.values()) {
            Block parsed = Block.parse(b.bytes());
            assertThat(parsed.serialize()).as("height %d", b.height()).isEqualTo(b.bytes());
            assertThat(Hash256.display(parsed.hash()))
                    .as("height %d", b.height())
                    .isEqualTo(b.hash());
            for (Tx tx : parsed.txs()) {
                assertThat(Tx.parse(tx.serialize()).serialize()).isEqualTo(tx.serialize());
            }
        }
    }

    @Test
    void merkleRootsAndWitnessCommitmentsOfRealBlocksCheck() {
        int withCommitment = 0;
        for (Fixtures.RealBlock b : real.values()) {
            Block parsed = Block.parse(b.bytes());
            assertThat(parsed.computeMerkleRoot()).isEqualTo(parsed.header().merkleRoot());
            parsed.verify();
            if (parsed.witnessCommitment() != null) {
                withCommitment++;
                byte[] reserved =
                        parsed.txs().getFirst().inputs().getFirst().witness().getFirst();
                assertThat(Block.commitment(parsed.computeWitnessRoot(), reserved))
                        .isEqualTo(parsed.witnessCommitment());
            }
        }
        assertThat(withCommitment).isGreaterThanOrEqualTo(7);
    }

    @Test
    void aChangedWitnessOrTransactionIsCaught() {
        Block b = Block.parse(real.get(840243L).bytes());
        List<Tx> txs = new ArrayList<>(b.txs());
        int segwit = 1;
        while (!txs.get(segwit).hasWitness()) {
            segwit++;
        }
        Tx tx = txs.get(segwit);
        List<Tx.Input> inputs = new ArrayList<>(tx.inputs());
        Tx.Input in = inputs.getFirst();
        List<byte[]> witness = new ArrayList<>(in.witness());
        witness.set(0, new byte[] {1, 2, 3});
        inputs.set(0, new Tx.Input(in.prevTxid(), in.prevVout(), in.script(), in.sequence(), witness));
        txs.set(segwit, tx.withInputs(inputs));
        // the txid is unchanged (witness data is not in it), the commitment is not
        assertThat(txs.get(segwit).txid()).isEqualTo(tx.txid());
        Block changedWitness = new Block(b.header(), txs);
        assertThat(changedWitness.computeMerkleRoot()).isEqualTo(b.header().merkleRoot());
        assertThatThrownBy(changedWitness::verify).hasMessageContaining("witness commitment");

        txs.set(segwit, tx.withInputs(List.of(in.spending(new byte[32], 7))));
        assertThatThrownBy(new Block(b.header(), txs)::verify).hasMessageContaining("merkle root");
    }

    @Test
    void bip34HeightPrefixesMatchRealCoinbasesAndBitcoinCoresEncoding() {
        for (long h : List.of(772904L, 840243L, 905646L)) {
            byte[] script = Block.parse(real.get(h).bytes())
                    .txs()
                    .getFirst()
                    .inputs()
                    .getFirst()
                    .script();
            byte[] prefix = Coinbase.heightPrefix(h);
            assertThat(java.util.Arrays.copyOf(script, prefix.length)).isEqualTo(prefix);
        }
        HexFormat hex = HexFormat.of();
        assertThat(hex.formatHex(Coinbase.heightPrefix(0))).isEqualTo("00");
        assertThat(hex.formatHex(Coinbase.heightPrefix(1))).isEqualTo("51");
        assertThat(hex.formatHex(Coinbase.heightPrefix(16))).isEqualTo("60");
        assertThat(hex.formatHex(Coinbase.heightPrefix(17))).isEqualTo("0111");
        assertThat(hex.formatHex(Coinbase.heightPrefix(128))).isEqualTo("028000");
        assertThat(hex.formatHex(Coinbase.heightPrefix(840000))).isEqualTo("0340d10c");
    }

    @Test
    void malformedBytesAreRefusedWithWhere() {
        byte[] genesis = real.get(0L).bytes();
        assertThatThrownBy(() -> Block.parse(java.util.Arrays.copyOf(genesis, genesis.length - 1)))
                .isInstanceOf(MalformedBlockException.class)
                .hasMessageContaining("truncated");
        byte[] longer = java.util.Arrays.copyOf(genesis, genesis.length + 2);
        assertThatThrownBy(() -> Block.parse(longer))
                .isInstanceOf(MalformedBlockException.class)
                .hasMessageContaining("2 bytes after");
        byte[] hugeCount = genesis.clone();
        hugeCount[80] = (byte) 0xfe;
        assertThatThrownBy(() -> Block.parse(hugeCount)).isInstanceOf(MalformedBlockException.class);
    }
}
