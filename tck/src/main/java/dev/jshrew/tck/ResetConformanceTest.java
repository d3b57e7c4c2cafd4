package dev.jshrew.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.engine.Trap;
import dev.jshrew.host.BlockResult;
import dev.jshrew.host.GuestCallException;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.ResetMode;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Reset ≡ fresh: the same blocks through one instance reset in place ({@link ResetMode#FAST}) and through a fresh
 * instance per block ({@link ResetMode#FRESH}) give identical per-block dumps and roots, block for block, including
 * blocks that trap.
 */
public abstract class ResetConformanceTest extends EngineTest {

    /** Per block: the dump as hex lines plus the root, or the trap kind for a failed block. */
    private List<String> run(ResetMode mode, String guest, List<byte[]> blocks) {
        List<String> outcome = new ArrayList<>();
        try (Harness h = new Harness(
                engineName(), engineOptions(), guest, temp.resolve(mode.name()), Harness.testOptions(mode))) {
            long height = 0;
            for (byte[] block : blocks) {
                try {
                    BlockResult r = h.index(height, block);
                    outcome.add(height + " "
                            + EngineConformanceTest.hexDump(h.store().blockWrites(height)) + " root "
                            + Hashes.hex(r.stateRoot()));
                    height++;
                } catch (GuestCallException e) {
                    outcome.add(height + " failed " + EngineConformanceTest.trapOf(e));
                }
            }
        }
        return outcome;
    }

    @Test
    @DisplayName("reset ≡ fresh over 120 blocks of state.wat: globals, tables, segments, growth, out-of-bounds traps")
    void stateGuest() {
        List<byte[]> blocks = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            byte[] block = new byte[82];
            block[76] = (byte) i;
            block[80] = (byte) (i % 7 == 0 ? 0 : i % 40); // pages to grow
            block[81] = (byte) (i % 11 == 5 ? 1 : 0); // store just past memory.size afterwards: trap
            blocks.add(block);
        }
        List<String> fast = run(ResetMode.FAST, "wat/state.wasm", blocks);
        List<String> fresh = run(ResetMode.FRESH, "wat/state.wasm", blocks);
        assertThat(fast).hasSize(120).containsExactlyElementsOf(fresh);
        assertThat(fast)
                .filteredOn(s -> s.contains("failed " + Trap.MEMORY_OUT_OF_BOUNDS))
                .hasSize(11);
        // every successful block saw pristine state: the same observation each time
        assertThat(fast.stream()
                        .filter(s -> !s.contains("failed"))
                        .map(s -> s.substring(s.indexOf(' '), s.indexOf(" root")))
                        .distinct())
                .hasSize(1);
    }

    @Test
    @DisplayName("reset ≡ fresh over 100 blocks of the Rust spendables indexer on real blocks")
    void spendables() {
        NavigableMap<Long, Fixtures.RealBlock> real = Fixtures.realBlocks();
        List<byte[]> small = List.of(real.get(0L).bytes(), real.get(83636L).bytes());
        byte[] big = real.get(772904L).bytes();
        List<byte[]> blocks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            blocks.add(i % 25 == 12 ? big : small.get(i % 2));
        }
        List<String> fast = run(ResetMode.FAST, "spendables/spendables.wasm", blocks);
        List<String> fresh = run(ResetMode.FRESH, "spendables/spendables.wasm", blocks);
        assertThat(fast).hasSize(100).noneMatch(s -> s.contains("failed")).containsExactlyElementsOf(fresh);
    }
}
