package dev.jshrew.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.EngineCapability;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.MemoryStats;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.memory.CommitReport;
import dev.jshrew.api.memory.LinearMemory;
import dev.jshrew.api.memory.LinearMemoryProvider;
import dev.jshrew.host.EngineRegistry;
import dev.jshrew.host.GuestCallException;
import dev.jshrew.host.IndexerHost;
import dev.jshrew.host.ResetMode;
import dev.jshrew.host.RunOptions;
import dev.jshrew.memory.CommittedMemoryProvider;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Guest memory: limits (C-63, C-64), size at the start of every block (C-65), engines that cannot back the full
 * 4 GiB failing the documented way, and a real physical commit.
 */
public abstract class MemoryConformanceTest extends EngineTest {

    private boolean has(EngineCapability capability) {
        return EngineRegistry.load().resolve(engineName()).capabilities().contains(capability);
    }

    private Harness harness(String guest, RunOptions options) {
        return new Harness(engineName(), engineOptions(), guest, temp.resolve("db-" + System.nanoTime()), options);
    }

    static byte[] u32(long v) {
        return EngineConformanceTest.u32(v);
    }

    @Test
    @DisplayName("a memory the provider refuses fails startup naming the engine and the module, exactly once")
    void refusedCommitNamesEngineAndModule() {
        LinearMemoryProvider refusing = new LinearMemoryProvider() {
            private JshrewException refused() {
                return new JshrewException(ErrorCode.MEMORY_COMMIT_REFUSED, "refused by the test's provider");
            }

            @Override
            public LinearMemory reserve(long reserveBytes, long commitBytes) {
                throw refused();
            }

            @Override
            public CommitReport commitRange(java.lang.foreign.MemorySegment range) {
                throw refused();
            }

            @Override
            public void requireBudget(long bytes) {
                throw refused();
            }
        };
        IndexerHost host = IndexerHost.builder()
                .engine(engineName(), engineOptions(), refusing)
                .module("probe.wasm", Fixtures.guest("wat/probe.wasm"))
                .store(temp.resolve("refused"))
                .runOptions(Harness.testOptions(ResetMode.FAST))
                .open();
        try (host) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> host.newIndexer(line -> {}))
                    .isInstanceOfSatisfying(JshrewException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.MEMORY_COMMIT_REFUSED);
                        assertThat(e.getMessage())
                                .startsWith("engine " + engineName() + ", module probe.wasm: ")
                                .contains("refused by the test's provider");
                        assertThat(e.getMessage().indexOf("engine ", 1))
                                .as("named once: " + e.getMessage())
                                .isEqualTo(-1);
                    });
        }
    }

    @Test
    @DisplayName("C-63 a guest grows to its declared maximum and no further")
    void c63() {
        try (Harness h = harness("wat/probe-max40.wasm", Harness.testOptions(ResetMode.FAST))) {
            h.index(0, Script.of().grow(38).grow(1).size().grow(0).obsFlush("o").block());
            assertThat(h.get("o", 0)).isEqualTo(EngineConformanceTest.concat(u32(2), u32(-1), u32(40), u32(40)));
        }
    }

    @Test
    @DisplayName("memory.grow past the configured guest limit returns -1, whatever the engine")
    void configuredLimit() {
        try (Harness h = harness("wat/probe.wasm", new RunOptions(100, Harness.TEST_COMMIT_BYTES, ResetMode.FAST))) {
            h.index(
                    0,
                    Script.of()
                            .grow(98)
                            .grow(1)
                            .grow(0x7FFF_FFFFL)
                            .grow(0xFFFF_FFFFL)
                            .size()
                            .obsFlush("o")
                            .block());
            assertThat(h.get("o", 0))
                    .isEqualTo(EngineConformanceTest.concat(u32(2), u32(-1), u32(-1), u32(-1), u32(100)));
        }
    }

    @Test
    @DisplayName("C-64 without a declared maximum a guest grows to exactly 65536 pages (or the engine says it cannot)")
    void c64() {
        try (Harness h = harness("wat/probe.wasm", Harness.testOptions(ResetMode.FAST))) {
            if (has(EngineCapability.MEMORY_ABOVE_2GIB)) {
                h.index(0, Script.of().grow(65534).grow(1).size().obsFlush("o").block());
                assertThat(h.get("o", 0)).isEqualTo(EngineConformanceTest.concat(u32(2), u32(-1), u32(65536)));
            } else {
                // The documented failure: the block stops with ENGINE_LIMIT; the guest never sees -1 here.
                h.index(0, Script.of().grow(32765).size().obsFlush("o").block());
                assertThat(h.get("o", 0)).isEqualTo(EngineConformanceTest.concat(u32(2), u32(32767)));
                GuestCallException e = org.junit.jupiter.api.Assertions.assertThrows(
                        GuestCallException.class,
                        () -> h.index(
                                1, Script.of().flush(new byte[0]).grow(32766).block()));
                assertThat(e.code()).isEqualTo(ErrorCode.ENGINE_LIMIT);
                assertThat(e.getMessage())
                        .contains("engine " + engineName())
                        .contains("cannot provide more than")
                        .contains("height 1");
                assertThat(h.store().tip()).hasValue(0);
            }
        }
    }

    @Test
    @DisplayName("a view that grows past its --view-memory budget fails with MEMORY_BUDGET naming the option; "
            + "grows within it and past the guest limit behave as without a budget, indexing is unaffected")
    void viewMemoryBudget() {
        long budget = 16L * dev.jshrew.api.engine.MemoryLimits.PAGE_SIZE; // 1 MiB, 16 pages
        RunOptions options = Harness.testOptions(ResetMode.FAST).withViewMemory(budget);
        try (Harness h = harness("wat/probe.wasm", options)) {
            h.index(0, Script.of().grow(100).size().obsFlush("o").block());
            assertThat(h.get("o", 0)).isEqualTo(EngineConformanceTest.concat(u32(2), u32(102)));
            byte[] within =
                    Script.of().grow(10).size().grow(0xFFFF_FFFFL).grow(65536).ops();
            assertThat(h.view("probe", within, 0))
                    .as("within the budget, and -1 past the guest limit as without a budget")
                    .isEqualTo(EngineConformanceTest.concat(u32(2), u32(12), u32(-1), u32(-1)));
            for (long grow : new long[] {15, 1000}) {
                GuestCallException e = org.junit.jupiter.api.Assertions.assertThrows(
                        GuestCallException.class,
                        () -> h.view("probe", Script.of().grow(grow).size().ops(), 0));
                assertThat(EngineConformanceTest.trapOf(e)).isEqualTo(dev.jshrew.api.engine.Trap.MEMORY_BUDGET);
                assertThat(e.getMessage())
                        .contains("engine " + engineName())
                        .contains("view needs more than --view-memory 1m");
            }
            assertThat(h.view("probe", within, 0))
                    .as("the worker is whole again")
                    .isEqualTo(EngineConformanceTest.concat(u32(2), u32(12), u32(-1), u32(-1)));
            h.index(1, Script.of().grow(200).size().obsFlush("o").block(1));
            assertThat(h.get("o", 1)).isEqualTo(EngineConformanceTest.concat(u32(2), u32(202)));
        }
    }

    @Test
    @DisplayName("C-65 memory size at the start of every block is the fresh size")
    void c65() {
        try (Harness h = harness("wat/probe.wasm", Harness.testOptions(ResetMode.FAST))) {
            h.index(0, Script.of().grow(10).size().obsFlush("o").block());
            h.index(1, Script.of().size().obsFlush("o").block(1));
            assertThat(h.get("o", 0)).isEqualTo(EngineConformanceTest.concat(u32(2), u32(12)));
            assertThat(h.get("o", 1)).isEqualTo(u32(2));
        }
    }

    @Test
    @DisplayName("memory.init after data.drop traps within the block, and the segment is back in the next block")
    void dataDropThenInit() {
        try (Harness h = harness("wat/drop-init.wasm", Harness.testOptions(ResetMode.FAST))) {
            h.index(0, new byte[81]);
            assertThat(h.get("init", 0)).isEqualTo(new byte[] {'P'});
            for (int mode : new int[] {1, 2}) {
                byte[] block = new byte[81];
                block[80] = (byte) mode;
                GuestCallException e = org.junit.jupiter.api.Assertions.assertThrows(
                        GuestCallException.class, () -> h.index(1, block));
                assertThat(EngineConformanceTest.trapOf(e)).isEqualTo(dev.jshrew.api.engine.Trap.MEMORY_OUT_OF_BOUNDS);
            }
            h.index(1, new byte[81]);
            assertThat(h.get("init", 1)).isEqualTo(new byte[] {'P'});
        }
    }

    @Test
    @DisplayName("the commit is real: RSS rises by the committed size at instantiation, and stays after reset")
    void commitIsPhysical() {
        long commit = 256L << 20;
        var provider = new CommittedMemoryProvider();
        var engine = EngineRegistry.load().create(engineName(), engineOptions(), provider);
        try (engine) {
            var module = engine.compile("probe.wasm", Fixtures.guest("wat/probe.wasm"));
            var imports = new dev.jshrew.host.abi.MetashrewAbi(new dev.jshrew.host.abi.CallContext(), s -> {})
                    .bind(module.imports(), module.name());
            long before = provider.residentSetBytes();
            try (ModuleInstance instance = module.instantiate(imports, new InstanceOptions(65536, commit))) {
                long after = provider.residentSetBytes();
                MemoryStats stats = instance.memoryStats();
                assertThat(stats.committedBytes()).isGreaterThanOrEqualTo(commit);
                assertThat(after - before).as("RSS rise").isGreaterThan(commit * 9 / 10);
                instance.reset();
                assertThat(provider.residentSetBytes())
                        .as("reset hands no page back")
                        .isGreaterThan(before + commit * 9 / 10);
                assertThat(instance.memoryStats().pages()).isEqualTo(2);
            }
        }
        assertThat(List.of(commit)).isNotEmpty();
    }
}
