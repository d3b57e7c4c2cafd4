package dev.jshrew.engine.chicory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.engine.EngineContext;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.Trap;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.memory.CommittedMemoryProvider;
import dev.jshrew.tck.Fixtures;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A view's instance resets by zeroing only the 4 KiB pages written since the last reset ({@link
 * TrackedSegmentMemory}), so every way of writing must mark them: {@code writes.wat} stores with each width (some
 * across a page boundary, one with a static offset), fills, copies and inits, the host writes through the instance's
 * view, and a data segment straddles a boundary. After each round the whole memory up to the round's high-water mark
 * must be what a fresh instance holds.
 */
class ChicoryWrittenPagesTest {
    private static final int LIMIT_PAGES = 64;
    private static final InstanceOptions OPTIONS =
            new InstanceOptions(LIMIT_PAGES, 8L << 20, Duration.ZERO).withWorkload(InstanceOptions.Workload.VIEWS);
    private static final int DATA_AT = 0x0FFC;
    private static final byte[] DATA = {1, 2, 3, 4, 5, 6, 7, 8};
    private static final List<String> STORES = List.of(
            "i32.store8",
            "i32.store16",
            "i32.store",
            "i64.store8",
            "i64.store16",
            "i64.store32",
            "i64.store",
            "f32.store",
            "f64.store",
            "i64.store.offset");

    private static WasmEngine engine(String mode) {
        return new ChicoryEngineProvider()
                .create(EngineContext.of(Map.of("mode", mode), new CommittedMemoryProvider()));
    }

    /** The memory a fresh instance has, {@code bytes} of it: zeros and the active segment. */
    private static byte[] pristine(int bytes) {
        byte[] image = new byte[bytes];
        System.arraycopy(DATA, 0, image, DATA_AT, DATA.length);
        return image;
    }

    /** An address in {@code [0, size - room]}, often within 8 bytes of a 4 KiB boundary. */
    private static int address(SplittableRandom random, long size, int room) {
        long a = random.nextBoolean()
                ? ((long) random.nextInt((int) (size >>> 12)) << 12) - random.nextInt(8)
                : random.nextLong(size);
        return (int) Math.max(0, Math.min(a, size - room));
    }

    /** After the reset, the guest grows to the round's high-water mark and must see a fresh instance's memory. */
    private static void assertPristine(ChicoryModuleInstance instance, int highWaterPages) {
        assertThat(instance.memoryStats().pages()).isEqualTo(2);
        instance.call("memory.grow", highWaterPages - 2);
        int bytes = highWaterPages << 16;
        assertThat(Arrays.mismatch(instance.memory().read(0, bytes), pristine(bytes)))
                .as("the first byte that differs from a fresh instance's")
                .isEqualTo(-1);
        instance.reset();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"compiler", "interpreter"})
    void everyWayOfWritingIsUndoneByTheReset(String mode) {
        SplittableRandom random = new SplittableRandom(15);
        try (WasmEngine engine = engine(mode);
                var instance = (ChicoryModuleInstance) engine.compile("writes.wasm", Fixtures.guest("wat/writes.wasm"))
                        .instantiate(List.of(), OPTIONS)) {
            assertThat(Arrays.mismatch(instance.memory().read(0, 2 << 16), pristine(2 << 16)))
                    .isEqualTo(-1);
            for (int round = 0; round < 40; round++) {
                int pages = 2 + random.nextInt(LIMIT_PAGES - 1);
                instance.call("memory.grow", pages - 2);
                long size = (long) pages << 16;
                for (int op = 0; op < 60; op++) {
                    long value = random.nextLong() | 0x0101_0101_0101_0101L; // no zero byte: every write shows
                    int kind = random.nextInt(STORES.size() + 5);
                    if (kind < STORES.size()) {
                        String store = STORES.get(kind);
                        int offset = store.endsWith(".offset") ? 4093 : 0;
                        instance.call(store, address(random, size - offset, 8), value);
                    } else if (kind == STORES.size()) {
                        int length = random.nextInt(20_000);
                        instance.call("memory.fill", address(random, size, length), value & 0xFF, length);
                    } else if (kind == STORES.size() + 1) {
                        // from the data segment's page, so the copy writes non-zero bytes
                        int length = 1 + random.nextInt(9000);
                        instance.call("memory.copy", address(random, size, length), DATA_AT, length);
                    } else if (kind == STORES.size() + 2) {
                        int length = 1 + random.nextInt(16);
                        instance.call("memory.init", address(random, size, length), 16 - length, length);
                    } else if (kind == STORES.size() + 3) {
                        byte[] bytes = new byte[1 + random.nextInt(10_000)];
                        Arrays.fill(bytes, (byte) value);
                        instance.memory().write(address(random, size, bytes.length), bytes);
                    } else {
                        instance.memory().writeInt(address(random, size, 4), (int) value);
                    }
                }
                assertThat(Arrays.mismatch(instance.memory().read(0, (int) size), pristine((int) size)))
                        .as("round %d wrote something", round)
                        .isNotEqualTo(-1);
                instance.reset();
                assertPristine(instance, pages);
            }
            assertThat(instance.instantiations())
                    .as("every reset kept the instance")
                    .isEqualTo(1);

            // a trap: the next reset instantiates afresh, and Chicory's instantiation zeroes the same way
            instance.call("memory.grow", 30);
            instance.call("i64.store", 4095, -1L);
            instance.call("memory.fill", 20 << 16, 0xEE, 5000);
            assertThatThrownBy(() -> instance.call("i64.store", 32 << 16, 1L))
                    .isInstanceOfSatisfying(
                            GuestTrapException.class, e -> assertThat(e.trap()).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS));
            instance.reset();
            assertThat(instance.instantiations()).isEqualTo(2);
            assertPristine(instance, 32);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"compiler", "interpreter"})
    void aResetZeroesTheWrittenPagesNotTheHighWaterMark(String mode) {
        try (WasmEngine engine = engine(mode);
                var instance = (ChicoryModuleInstance) engine.compile("writes.wasm", Fixtures.guest("wat/writes.wasm"))
                        .instantiate(List.of(), OPTIONS)) {
            instance.call("memory.grow", 62);
            // one byte in page 1,000 (of the 64 × 16 = 1,024 tracked), and a store across the boundary into page 2
            instance.call("i32.store8", 1000 << 12, 0x5A);
            instance.call("i64.store", (2 << 12) - 3, -1L);
            instance.reset();
            SegmentMemory memory = instance.segmentMemory();
            // page 1,000, and pages 0 and 1 (the data segment's, 0xFFC-0x1003, and the store's first), each run and
            // the 8 bytes after it: the store reached 3 bytes into page 2
            assertThat(memory.zeroedBytes()).isEqualTo((1 << 12) + 8 + (2 << 12) + 8);
            assertPristine(instance, 64);
            // the check itself grew the memory and wrote nothing: only the data segment's two pages
            assertThat(memory.zeroedBytes()).isEqualTo((2 << 12) + 8);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"compiler", "interpreter"})
    void onlyAViewsInstanceResetInPlaceTracksAndItRunsCodeOfItsOwn(String mode) {
        try (WasmEngine engine = engine(mode)) {
            var module = (ChicoryCompiledModule) engine.compile("writes.wasm", Fixtures.guest("wat/writes.wasm"));
            var blocks = OPTIONS.withWorkload(InstanceOptions.Workload.BLOCKS);
            try (var indexer = (ChicoryModuleInstance) module.instantiate(List.of(), blocks);
                    var view = (ChicoryModuleInstance) module.instantiate(List.of(), OPTIONS);
                    var fresh = (ChicoryModuleInstance) module.instantiate(
                            List.of(),
                            new InstanceOptions(LIMIT_PAGES, 0).withWorkload(InstanceOptions.Workload.VIEWS))) {
                assertThat(indexer.segmentMemory()).isNotInstanceOf(TrackedSegmentMemory.class);
                assertThat(view.segmentMemory()).isInstanceOf(TrackedSegmentMemory.class);
                assertThat(fresh.segmentMemory()).isNotInstanceOf(TrackedSegmentMemory.class);
                for (var instance : List.of(indexer, view)) {
                    instance.call("memory.grow", 62);
                    instance.call("i32.store8", 1000 << 12, 0x5A);
                    instance.reset();
                }
                assertThat(indexer.segmentMemory().zeroedBytes())
                        .as("the high-water mark")
                        .isEqualTo(64 << 16);
                assertThat(view.segmentMemory().zeroedBytes()).isEqualTo((1 << 12) + 8 + (2 << 12) + 8);
            }
            boolean compiled = mode.equals("compiler");
            assertThat(module.machines(InstanceOptions.Workload.VIEWS)
                            != module.machines(InstanceOptions.Workload.BLOCKS))
                    .as("views' code compiled apart")
                    .isEqualTo(compiled);
            assertThat(module.machines(InstanceOptions.Workload.VIEWS))
                    .isSameAs(module.machines(InstanceOptions.Workload.VIEWS));
        }
    }
}
