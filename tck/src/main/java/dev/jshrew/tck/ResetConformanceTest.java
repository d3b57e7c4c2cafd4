package dev.jshrew.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.engine.Trap;
import dev.jshrew.host.BlockResult;
import dev.jshrew.host.GuestCallException;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.ResetMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

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

    /**
     * {@code state.wat} and two variants that {@code guests/wat/build.sh} derives from it (no start function; no
     * table write or element drop), so that an engine resetting some modules one way and others another (Chicory
     * keeps its instance only for the variants) is held to "reset ≡ fresh" on every path.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"wat/state.wasm", "wat/state-nostart.wasm", "wat/state-notables.wasm"})
    @DisplayName("reset ≡ fresh over 120 blocks of state.wat: globals, tables, segments, growth, out-of-bounds traps")
    void stateGuest(String guest) {
        List<byte[]> blocks = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            byte[] block = new byte[82];
            block[76] = (byte) i;
            block[80] = (byte) (i % 7 == 0 ? 0 : i % 40); // pages to grow
            block[81] = (byte) (i % 11 == 5 ? 1 : 0); // store just past memory.size afterwards: trap
            blocks.add(block);
        }
        List<String> fast = run(ResetMode.FAST, guest, blocks);
        List<String> fresh = run(ResetMode.FRESH, guest, blocks);
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

    @ParameterizedTest(name = "{0}, {1} blocks")
    @CsvSource({"spendables/spendables.wasm, 100", "spendables-as/spendables-as.wasm, 40"})
    @DisplayName("reset ≡ fresh over real blocks through the spendables indexer, Rust and AssemblyScript builds")
    void spendables(String guest, int count) {
        NavigableMap<Long, Fixtures.RealBlock> real = Fixtures.realBlocks();
        List<byte[]> small = List.of(real.get(0L).bytes(), real.get(83636L).bytes());
        byte[] big = real.get(772904L).bytes();
        List<byte[]> blocks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            blocks.add(i % 25 == 12 ? big : small.get(i % 2));
        }
        List<String> fast = run(ResetMode.FAST, guest, blocks);
        List<String> fresh = run(ResetMode.FRESH, guest, blocks);
        assertThat(fast).hasSize(count).noneMatch(s -> s.contains("failed")).containsExactlyElementsOf(fresh);
    }

    @Test
    @DisplayName("reset ≡ fresh after blocks that grow above 2 GiB (to the engine's cap when it cannot) and fill 2 GiB")
    void highWaterAbove2GiB() {
        boolean above = dev.jshrew.host.EngineRegistry.load()
                .resolve(engineName())
                .capabilities()
                .contains(dev.jshrew.api.engine.EngineCapability.MEMORY_ABOVE_2GIB);
        // 40000 pages is 2.44 GiB; an engine capped below 2 GiB goes to its 32767-page cap instead
        long pages = above ? 40_000 : 32_767;
        long top = pages << 16;
        long high = top - 0x40_0000, bigFill = above ? 0x8000_0000L : 0x7000_0000L;
        byte[] grow = Script.of()
                .grow(pages - 2)
                .size()
                .fill(0x100_0000, bigFill) // a guest memory.fill of 2 GiB or more (an unsigned length)
                .fill(high, 0x1000)
                .store(top - 1)
                .load(top - 1)
                .load(high)
                .load(0x100_0000 + bigFill - 1)
                .obsFlush("o")
                .ops();
        byte[] look = Script.of()
                .size()
                .grow(pages - 2)
                .load(high)
                .load(top - 1)
                .load(0x100_0000 + bigFill - 1)
                .obsFlush("o")
                .ops();
        List<byte[]> blocks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            blocks.add(block(i % 2 == 0 ? grow : look, i));
        }
        List<String> fast = run(ResetMode.FAST, "wat/probe.wasm", blocks);
        List<String> fresh = run(ResetMode.FRESH, "wat/probe.wasm", blocks);
        assertThat(fast).hasSize(4).noneMatch(s -> s.contains("failed")).containsExactlyElementsOf(fresh);
        String grown = Hashes.hex(EngineConformanceTest.concat(u32(2), u32(pages), u32(0x5A), u32(0x77), u32(0x77)));
        String pristine = Hashes.hex(EngineConformanceTest.concat(u32(2), u32(2), u32(0), u32(0), u32(0)));
        assertThat(fast.get(0)).contains(grown);
        assertThat(fast.get(1)).contains(pristine);
        assertThat(fast.get(2)).contains(grown);
        assertThat(fast.get(3)).contains(pristine);
    }

    private static byte[] u32(long v) {
        return EngineConformanceTest.u32(v);
    }

    private static byte[] block(byte[] ops, int nonce) {
        byte[] block = new byte[80 + ops.length];
        block[76] = (byte) nonce;
        System.arraycopy(ops, 0, block, 80, ops.length);
        return block;
    }

    /**
     * A view's instance is reset between views, and engines may reset it differently from an indexer's (Chicory zeroes
     * only the pages a view wrote): each view first observes every address the previous one wrote, including bytes
     * past the initial memory and writes across 4 KiB and 64 KiB boundaries, then writes them all in every way the
     * probe can (stores, fills, a copy of bytes, a host write of a value read from the store).
     */
    @Test
    @DisplayName("views reset ≡ fresh: each view sees none of the previous view's writes, grown pages included")
    void viewsResetEqualsFresh() {
        long[] low = {0x2000, 0x3FFF, 0x4000, 0x4003, 0x8FFF};
        long[] grown = {0x20000, 0x2FFFF, 0x30000, 0x30007, 0x4FFFF};
        Script script = Script.of().state();
        for (long a : low) {
            script.load(a);
        }
        script.grow(3);
        for (long a : grown) {
            script.load(a);
        }
        for (long a : low) {
            script.store(a);
        }
        for (long a : grown) {
            script.store(a);
        }
        script.fill(0x3FFA, 12).fill(0x2FFF0, 0x20).poke(0x4FFF0, EngineConformanceTest.b("sixteen bytes!!!"));
        script.poke(0x8FFC, EngineConformanceTest.b("across")).get("key").size();
        byte[] ops = script.ops();
        Map<ResetMode, List<String>> seen = new java.util.EnumMap<>(ResetMode.class);
        try (Harness h = new Harness(
                engineName(),
                engineOptions(),
                "wat/probe.wasm",
                temp.resolve("views"),
                Harness.testOptions(ResetMode.FAST))) {
            h.index(
                    0,
                    Script.of()
                            .flush(EngineConformanceTest.flush("key", "a value the host writes"))
                            .block());
            for (ResetMode mode : ResetMode.values()) {
                try (var views =
                        new dev.jshrew.host.ViewRunner(h.module(), h.store(), Harness.testOptions(mode), line -> {})) {
                    List<String> results = new ArrayList<>();
                    for (int i = 0; i < 12; i++) {
                        results.add(Hashes.hex(views.view("probe", ops, 0)));
                    }
                    seen.put(mode, results);
                }
            }
        }
        assertThat(seen.get(ResetMode.FAST)).containsExactlyElementsOf(seen.get(ResetMode.FRESH));
        assertThat(seen.get(ResetMode.FAST).stream().distinct())
                .as("every view saw a pristine instance")
                .hasSize(1);
    }

    @Test
    @DisplayName("an instance whose reset fails is replaced: the next block and the next view run on a fresh instance")
    void failedResetIsReplaced() {
        java.util.concurrent.atomic.AtomicInteger failResets = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger instances = new java.util.concurrent.atomic.AtomicInteger();
        dev.jshrew.api.engine.WasmEngineProvider real =
                dev.jshrew.host.EngineRegistry.load().resolve(engineName());
        dev.jshrew.api.engine.WasmEngineProvider flaky =
                wrap(dev.jshrew.api.engine.WasmEngineProvider.class, real, failResets, instances);
        try (dev.jshrew.host.IndexerHost host = dev.jshrew.host.IndexerHost.builder()
                .registry(dev.jshrew.host.EngineRegistry.of(List.of(flaky)))
                .engine(engineName(), engineOptions(), new dev.jshrew.memory.CommittedMemoryProvider())
                .module("probe.wasm", Fixtures.guest("wat/probe.wasm"))
                .store(temp.resolve("flaky"))
                .runOptions(Harness.testOptions(ResetMode.FAST))
                .open()) {
            dev.jshrew.host.Indexer indexer = host.newIndexer(line -> {});
            List<List<String>> dumps = new ArrayList<>();
            for (int height = 0; height < 4; height++) {
                failResets.set(height % 2); // heights 1 and 3: the reset before the block fails once
                indexer.indexBlock(
                        height, Script.of().state().grow(3).obsFlush("o").block(height));
                dumps.add(EngineConformanceTest.hexDump(host.store().blockWrites(height)));
            }
            assertThat(dumps).hasSize(4).allSatisfy(d -> assertThat(d).isEqualTo(dumps.get(0)));
            assertThat(failResets.get()).isEqualTo(0);
            assertThat(instances.get()).as("one instance, replaced twice").isEqualTo(3);
            try (dev.jshrew.host.ViewRunner views = host.newViewRunner(line -> {})) {
                byte[] ops = Script.of().state().grow(3).ops();
                byte[] first = views.view("probe", ops, 3);
                failResets.set(1);
                assertThat(views.view("probe", ops, 3)).isEqualTo(first);
                assertThat(views.view("probe", ops, 3)).isEqualTo(first);
                assertThat(instances.get())
                        .as("the view's own instance, replaced once")
                        .isEqualTo(5);
            }
        }
    }

    /** A decorator of the engine SPI whose instances' reset fails while {@code failResets} is above zero. */
    private static <T> T wrap(
            Class<T> type,
            T target,
            java.util.concurrent.atomic.AtomicInteger failResets,
            java.util.concurrent.atomic.AtomicInteger instances) {
        Object proxy = java.lang.reflect.Proxy.newProxyInstance(
                type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
                    if (method.getName().equals("reset") && type == dev.jshrew.api.engine.ModuleInstance.class) {
                        if (failResets.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                            throw new IllegalStateException("the test's reset failure");
                        }
                    }
                    Object result;
                    try {
                        result = method.invoke(target, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                    return switch (result) {
                        case dev.jshrew.api.engine.WasmEngine e
                        when method.getName().equals("create") ->
                            wrap(dev.jshrew.api.engine.WasmEngine.class, e, failResets, instances);
                        case dev.jshrew.api.engine.CompiledModule m
                        when method.getName().equals("compile") ->
                            wrap(dev.jshrew.api.engine.CompiledModule.class, m, failResets, instances);
                        case dev.jshrew.api.engine.ModuleInstance i
                        when method.getName().equals("instantiate") -> {
                            instances.incrementAndGet();
                            yield wrap(dev.jshrew.api.engine.ModuleInstance.class, i, failResets, instances);
                        }
                        case null, default -> result;
                    };
                });
        return type.cast(proxy);
    }
}
