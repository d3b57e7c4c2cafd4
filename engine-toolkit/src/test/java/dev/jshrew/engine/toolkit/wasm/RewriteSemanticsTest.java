package dev.jshrew.engine.toolkit.wasm;

import static dev.jshrew.engine.toolkit.wasm.RewriteFixtures.headerAnd;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.TableInstance;
import com.dylibso.chicory.wasm.WasmModule;
import dev.jshrew.engine.toolkit.wasm.GuestRunner.Engine;
import dev.jshrew.engine.toolkit.wasm.GuestRunner.Outcome;
import dev.jshrew.tck.Script;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The virtual memory size, the limit, the grow hook and the reset, observed directly on Chicory. */
class RewriteSemanticsTest {
    private static final byte[] PROBE = RewriteFixtures.guest("wat/probe.wasm");

    /** The u32 observations a probe block flushed under key "obs". */
    private static List<Integer> observations(Outcome o) {
        assertEquals("ok", o.result(), o.toString());
        String hex = o.flushed().get(o.flushed().indexOf("6f6273") + 1);
        ByteBuffer b = ByteBuffer.wrap(java.util.HexFormat.of().parseHex(hex)).order(ByteOrder.LITTLE_ENDIAN);
        List<Integer> out = new ArrayList<>();
        while (b.remaining() >= 4) {
            out.add(b.getInt());
        }
        return out;
    }

    private static GuestRunner.Reset probe(ResettableModule.Options options, boolean growPhysical) {
        return new GuestRunner.Reset(
                ResettableModule.rewrite("probe.wasm", PROBE, options), Engine.INTERPRETER, growPhysical);
    }

    @Test
    void memorySizeAfterResetEqualsInitialPages() {
        try (GuestRunner.Reset r = probe(new ResettableModule.Options(512, true), true)) {
            assertEquals(2, r.rewritten.initialPages());
            assertEquals(512, r.instance.memory().pages(), "physical memory grown to the limit");
            assertEquals(
                    List.of(2, 2, 12),
                    observations(r.run(
                            1,
                            Script.of().size().grow(10).size().obsFlush("obs").block())));
            assertEquals(12, r.pages());
            assertEquals(12, r.highWater());
            r.reset();
            assertEquals(2, r.pages(), "virtual size back to the initial pages");
            assertEquals(2, r.highWater());
            assertEquals(512, r.instance.memory().pages(), "physical memory stays");
            assertEquals(
                    List.of(2),
                    observations(r.run(2, Script.of().size().obsFlush("obs").block())));
        }
    }

    @Test
    void storeJustPastTheVirtualSizeTrapsAlthoughPhysicalMemoryIsLarger() {
        // Chicory addresses at most 32767 pages; 4096 physical pages make the point (see README: 65536 not testable
        // here)
        try (GuestRunner.Reset r = probe(new ResettableModule.Options(4096, true), true)) {
            assertEquals(4096, r.instance.memory().pages());
            assertEquals(
                    "trap:memory-out-of-bounds",
                    r.run(1, Script.of().store(0x20000).block()).result());
            assertEquals(
                    "trap:memory-out-of-bounds",
                    r.run(2, Script.of().load(0x20000).block()).result());
            assertEquals(
                    "trap:memory-out-of-bounds",
                    r.run(3, Script.of().load(0xFFFF_FFFFL).block()).result());
            assertEquals(
                    "trap:memory-out-of-bounds",
                    r.run(4, Script.of().fill(0x1FFFF, 2).block()).result());
            assertEquals(
                    "ok",
                    r.run(5, Script.of().fill(0x20000, 0).flush(new byte[0]).block())
                            .result(),
                    "memory.fill of 0 bytes at the very end is in bounds");
            assertEquals(
                    "trap:memory-out-of-bounds",
                    r.run(5, Script.of().fill(0x20001, 0).block()).result(),
                    "memory.fill of 0 bytes past the end traps");
            assertEquals(
                    "trap:memory-out-of-bounds",
                    r.run(6, Script.of().poke(0x1FFFF, new byte[] {1, 2}).block())
                            .result());
            assertEquals(
                    List.of(0x5A),
                    observations(r.run(
                            7,
                            Script.of()
                                    .store(0x1FFFF)
                                    .load(0x1FFFF)
                                    .obsFlush("obs")
                                    .block())));
            assertEquals(
                    List.of(2, 0x5A),
                    observations(r.run(
                            8,
                            Script.of()
                                    .grow(1)
                                    .store(0x20000)
                                    .load(0x20000)
                                    .obsFlush("obs")
                                    .block())));
            // after the reset the grown page is gone again, and zeroed
            assertEquals(
                    "trap:memory-out-of-bounds",
                    r.run(9, Script.of().store(0x20000).block()).result());
            assertEquals(
                    List.of(2, 2, 0),
                    observations(r.run(
                            10,
                            Script.of()
                                    .size()
                                    .grow(1)
                                    .load(0x20000)
                                    .obsFlush("obs")
                                    .block())));
            assertEquals(0, r.instance.memory().read(0x20000), "reset zeroed the page the earlier block wrote");
        }
    }

    @Test
    void withoutLoadStoreChecksTheEngineMustProvideTheTrap() {
        // Chicory has no guard pages: between the virtual and the physical size, a plain store does not trap. This is
        // the weakness the issue names; an engine must make it trap (PROT_NONE pages, or checkLoadsAndStores).
        try (GuestRunner.Reset r = probe(new ResettableModule.Options(64, false), true)) {
            assertFalse(r.rewritten.checksLoadsAndStores());
            assertEquals(
                    "ok",
                    r.run(1, Script.of().store(0x20000).flush(new byte[0]).block())
                            .result());
            // bulk memory is always checked
            assertEquals(
                    "trap:memory-out-of-bounds",
                    r.run(2, Script.of().fill(0x1FFFF, 2).block()).result());
            // and the reset zeroes the high-water mark only: the stray byte stays (the engine must have trapped it)
            assertEquals(0x5A, r.instance.memory().read(0x20000));
        }
    }

    @Test
    void growBeyondTheLimitReturnsMinusOne() {
        ResettableModule max40 = ResettableModule.rewrite(
                "probe-max40.wasm",
                RewriteFixtures.guest("wat/probe-max40.wasm"),
                new ResettableModule.Options(65536, true));
        assertEquals(40, max40.limitPages(), "the declared maximum caps the limit");
        assertEquals(40, max40.declaredMaximumPages());
        try (GuestRunner.Reset r = new GuestRunner.Reset(max40, Engine.INTERPRETER, true);
                GuestRunner.Fresh f =
                        new GuestRunner.Fresh(RewriteFixtures.guest("wat/probe-max40.wasm"), Engine.INTERPRETER, -1)) {
            byte[] block = Script.of()
                    .grow(39)
                    .grow(38)
                    .size()
                    .grow(0)
                    .grow(1)
                    .size()
                    .grow(-1)
                    .obsFlush("obs")
                    .block();
            assertEquals(List.of(-1, 2, 40, 40, -1, 40, -1), observations(r.run(1, block)));
            assertEquals(f.run(1, block), r.run(1, block), "same as a fresh instance with the declared maximum");
        }
        try (GuestRunner.Reset r = probe(new ResettableModule.Options(30, true), true)) {
            assertEquals(
                    List.of(-1, 2, 30, -1),
                    observations(r.run(
                            1,
                            Script.of()
                                    .grow(29)
                                    .grow(28)
                                    .size()
                                    .grow(1)
                                    .obsFlush("obs")
                                    .block())));
        }
    }

    @Test
    void growBeyondThePhysicalSizeGrowsForRealAndCallsTheHook() {
        try (GuestRunner.Reset r = probe(new ResettableModule.Options(100, true), false)) {
            assertEquals(2, r.instance.memory().pages(), "not grown physically");
            assertEquals(
                    List.of(2, 7, 7),
                    observations(r.run(
                            1,
                            Script.of().grow(5).grow(0).size().obsFlush("obs").block())));
            assertEquals(7, r.instance.memory().pages(), "a virtual grow past the physical size grew the memory");
            assertEquals(1, r.hookCalls.size(), "grow(0) does not call the hook");
            assertArrayEquals(new int[] {2, 7}, r.hookCalls.getFirst());
            r.reset();
            assertEquals(1, r.hookCalls.size(), "reset does not call the hook");
            assertEquals(7, r.instance.memory().pages());
            assertEquals(
                    List.of(2, 5),
                    observations(
                            r.run(2, Script.of().grow(3).size().obsFlush("obs").block())));
            assertEquals(7, r.instance.memory().pages(), "within the physical size: no real grow");
            assertArrayEquals(new int[] {2, 5}, r.hookCalls.get(1));
            assertEquals(
                    List.of(2, -1, 100),
                    observations(r.run(
                            3,
                            Script.of().grow(98).grow(1).size().obsFlush("obs").block())));
            assertEquals(100, r.instance.memory().pages());
            assertArrayEquals(new int[] {2, 100}, r.hookCalls.get(2));
            assertEquals(100, r.highWater());
        }
    }

    @Test
    void aFailedPhysicalGrowWithinTheLimitTrapsInsteadOfReturningMinusOne() {
        // limit 40000 pages, but Chicory cannot go past 32767: the guest must not see -1 for an allowed growth
        try (GuestRunner.Reset r = probe(new ResettableModule.Options(40000, true), false)) {
            assertEquals(
                    "trap:unreachable",
                    r.run(1, Script.of().grow(33000).obsFlush("obs").block()).result());
            assertEquals(2, r.pages(), "the virtual size did not move");
            assertTrue(r.hookCalls.isEmpty());
        }
    }

    /**
     * After blocks that dirty everything, the reset instance's memory, globals and table equal a fresh
     * instantiation's (memory beyond the initial size zero), byte for byte.
     */
    @Test
    void resetStateEqualsAFreshInstantiation() {
        byte[] state = RewriteFixtures.guest("wat/state.wasm");
        ResettableModule rw = ResettableModule.rewrite("state.wasm", state, new ResettableModule.Options(256, true));
        WasmModule original = GuestRunner.parse(state);
        try (GuestRunner.Reset r = new GuestRunner.Reset(rw, Engine.INTERPRETER, true);
                GuestRunner.Fresh f = new GuestRunner.Fresh(state, Engine.INTERPRETER, 256)) {
            Instance fresh = Instance.builder(original)
                    .withImportValues(f.imports(original))
                    .withMachineFactory(InterpreterMachine::new)
                    .withMemoryFactory(ByteArrayMemory::new)
                    .withStart(false)
                    .build();
            for (int i = 0; i < 5; i++) {
                r.run(i, headerAnd(i, (byte) (10 * i), (byte) (i == 3 ? 1 : 0)));
            }
            assertTrue(r.highWater() > 2);
            r.reset();
            int initialBytes = 2 * 65536;
            assertArrayEquals(
                    fresh.memory().readBytes(0, initialBytes),
                    r.instance.memory().readBytes(0, initialBytes));
            byte[] rest = r.instance.memory().readBytes(initialBytes, 256 * 65536 - initialBytes);
            for (int i = 0; i < rest.length; i++) {
                if (rest[i] != 0) {
                    throw new AssertionError("byte " + (initialBytes + i) + " not zero after reset");
                }
            }
            int funcImports = 3;
            for (int g = 0; g < 2; g++) { // the module's own globals keep their indices
                assertEquals(fresh.global(g).getValue(), r.instance.global(g).getValue(), "global " + g);
            }
            TableInstance ft = fresh.table(0);
            TableInstance rt = r.instance.table(0);
            assertEquals(ft.size(), rt.size());
            for (int k = 0; k < ft.size(); k++) {
                int expected = ft.ref(k);
                assertEquals(
                        expected < 0 || expected < funcImports ? expected : expected + 1, rt.ref(k), "table slot " + k);
            }
        }
    }
}
