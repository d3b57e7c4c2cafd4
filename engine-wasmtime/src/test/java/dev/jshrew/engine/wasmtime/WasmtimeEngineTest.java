package dev.jshrew.engine.wasmtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.EngineCapability;
import dev.jshrew.api.engine.EngineContext;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.HostFunction;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.engine.Trap;
import dev.jshrew.api.engine.ValueType;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.engine.toolkit.wasm.ModuleFacts;
import dev.jshrew.memory.CommittedMemoryProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the conformance kit cannot see from outside: the engine's own memory handling (4 GiB, PROT_NONE pages,
 * bulk operations past the guest's size), trap kinds at instantiation, host exceptions crossing JNI, NaN bits,
 * resource release over many instantiations, and the module patches. "committed" runs use the rewritten,
 * in-place-resettable instance (8 MiB committed); "fresh" runs the reference instance.
 */
class WasmtimeEngineTest {
    private static final long COMMIT = 8L << 20;
    private static final FunctionSignature I_I = FunctionSignature.of(List.of(ValueType.I32), List.of(ValueType.I32));

    private static WasmEngine engine;

    /** What the test host function does for an argument: 1 throws a JshrewException, 2 an unrelated exception. */
    static final JshrewException HOST_FAILURE = new JshrewException(ErrorCode.GUEST_ABI, "host says no");

    static final IllegalStateException HOST_BUG = new IllegalStateException("host bug");

    @BeforeAll
    static void start() {
        engine = new WasmtimeEngineProvider().create(EngineContext.of(Map.of(), new CommittedMemoryProvider()));
    }

    @AfterAll
    static void stop() {
        engine.close();
        engine.close();
    }

    static byte[] wasm(String name) {
        try (InputStream in = WasmtimeEngineTest.class.getResourceAsStream("/wat/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<HostFunction> host() {
        return List.of(new HostFunction("env", "host", I_I, (memory, args) -> {
            if (args[0] == 1) {
                throw HOST_FAILURE;
            } else if (args[0] == 2) {
                throw HOST_BUG;
            }
            return new long[] {memory.readInt(16) + args[0]};
        }));
    }

    static ModuleInstance instance(CompiledModule module, List<HostFunction> imports, int limit, boolean committed) {
        return module.instantiate(imports, new InstanceOptions(limit, committed ? COMMIT : 0));
    }

    static Trap trap(Runnable r) {
        try {
            r.run();
        } catch (GuestTrapException e) {
            return e.trap();
        }
        throw new AssertionError("no trap");
    }

    private static boolean fastReset() {
        return new WasmtimeEngineProvider().capabilities().contains(EngineCapability.FAST_RESET);
    }

    @ParameterizedTest(name = "committed={0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("memory grows to exactly 65536 pages (4 GiB); the last word is usable, one more page is refused")
    void fourGiB(boolean committed) {
        CompiledModule module = engine.compile("engine.wasm", wasm("engine.wasm"));
        try (ModuleInstance i = instance(module, host(), 65536, committed)) {
            assertThat(i.call("grow", 65535)).containsExactly(1);
            assertThat(i.call("grow", 1)).containsExactly(-1);
            assertThat(i.call("size")).containsExactly(65536);
            i.call("store", 0xFFFF_FFFCL, 0x12345678);
            assertThat(i.call("load", 0xFFFF_FFFCL)).containsExactly(0x12345678);
            assertThat(i.memory().byteSize()).isEqualTo(1L << 32);
            assertThat(i.memory().readInt(0xFFFF_FFFCL)).isEqualTo(0x12345678);
            assertThat(trap(() -> i.call("load", 0xFFFF_FFFDL))).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
            assertThat(i.memoryStats().pages()).isEqualTo(65536);
        }
    }

    @ParameterizedTest(name = "committed={0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("the guest limit below the declared maximum holds: grow past it returns -1")
    void configuredLimit(boolean committed) {
        CompiledModule module = engine.compile("engine.wasm", wasm("engine.wasm"));
        try (ModuleInstance i = instance(module, host(), 10, committed)) {
            assertThat(i.call("grow", 9)).containsExactly(1);
            assertThat(i.call("grow", 1)).containsExactly(-1);
            assertThat(i.call("size")).containsExactly(10);
            assertThat(trap(() -> i.call("load", 10L << 16))).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
        }
    }

    @ParameterizedTest(name = "committed={0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("loads, stores and bulk operations past the guest's size trap (no crash), exactly at the boundary")
    void outOfBounds(boolean committed) {
        CompiledModule module = engine.compile("engine.wasm", wasm("engine.wasm"));
        try (ModuleInstance i = instance(module, host(), 65536, committed)) {
            long end = 1L << 16;
            i.call("store", end - 4, 7);
            assertThat(trap(() -> i.call("store", end - 3, 7))).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
            assertThat(trap(() -> i.call("load", end))).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
            // wasmtime runs memory.fill/copy in host code: past the size they must trap, never fault on PROT_NONE pages
            assertThat(trap(() -> i.call("fill", end - 16, 17))).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
            assertThat(trap(() -> i.call("fill", 0, 1L << 20))).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
            assertThat(trap(() -> i.call("copy", end - 8, 0, 16))).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
            assertThat(trap(() -> i.call("copy", 0, end - 8, 16))).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
            i.call("fill", end - 16, 16);
            assertThat(i.call("load", end - 4)).containsExactly(0x77777777);
            assertThatThrownBy(() -> i.memory().read(end - 2, 4))
                    .isInstanceOfSatisfying(
                            GuestTrapException.class, e -> assertThat(e.trap()).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS));
            // grow one page: it is usable at once
            assertThat(i.call("grow", 1)).containsExactly(1);
            i.call("fill", end, 1L << 16);
            assertThat(i.call("load", 2 * end - 4)).containsExactly(0x77777777);
        }
    }

    @ParameterizedTest(name = "committed={0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("traps map to their kinds")
    void trapKinds(boolean committed) {
        CompiledModule module = engine.compile("engine.wasm", wasm("engine.wasm"));
        try (ModuleInstance i = instance(module, host(), 65536, committed)) {
            assertThat(trap(() -> i.call("unreachable"))).isEqualTo(Trap.UNREACHABLE);
            assertThat(trap(() -> i.call("div", 1, 0))).isEqualTo(Trap.INTEGER_DIVIDE_BY_ZERO);
            assertThat(trap(() -> i.call("div", Integer.MIN_VALUE, -1))).isEqualTo(Trap.INTEGER_OVERFLOW);
            assertThat(trap(() -> i.call("trunc", Float.floatToRawIntBits(Float.NaN))))
                    .isEqualTo(Trap.BAD_CONVERSION_TO_INTEGER);
            assertThat(trap(() -> i.call("indirect", 0))).isEqualTo(Trap.INDIRECT_CALL_TYPE_MISMATCH);
            assertThat(trap(() -> i.call("indirect", 1))).isEqualTo(Trap.UNINITIALIZED_ELEMENT);
            assertThat(trap(() -> i.call("indirect", 2))).isEqualTo(Trap.TABLE_OUT_OF_BOUNDS);
            assertThat(trap(() -> i.call("recurse", 0))).isEqualTo(Trap.STACK_OVERFLOW);
            // the instance is still usable after a trap
            assertThat(i.call("bump")).containsExactly(1);
        }
    }

    @ParameterizedTest(name = "committed={0}")
    @ValueSource(booleans = {false, true})
    @DisplayName(
            "a host function's exception reaches the caller unchanged (the same object), and the instance stays usable")
    void hostExceptions(boolean committed) {
        CompiledModule module = engine.compile("engine.wasm", wasm("engine.wasm"));
        try (ModuleInstance i = instance(module, host(), 65536, committed)) {
            assertThat(i.call("callhost", 5))
                    .containsExactly(0x7268_736A + 5); // "jshr" little-endian, from the data segment
            assertThatThrownBy(() -> i.call("callhost", 1)).isSameAs(HOST_FAILURE);
            assertThatThrownBy(() -> i.call("callhost", 2)).isSameAs(HOST_BUG);
            assertThat(i.call("callhost", 3)).containsExactly(0x7268_736A + 3);
            assertThat(trap(() -> i.call("unreachable"))).isEqualTo(Trap.UNREACHABLE);
        }
    }

    @ParameterizedTest(name = "committed={0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("only an instance with a call timeout runs code that checks the epoch; both flavours run alike")
    void onlyTimedInstancesCheckTheEpoch(boolean committed) {
        CompiledModule module = engine.compile("engine.wasm", wasm("engine.wasm"));
        InstanceOptions plain = new InstanceOptions(65536, committed ? COMMIT : 0);
        try (ModuleInstance untimed = module.instantiate(host(), plain);
                ModuleInstance timed = module.instantiate(host(), plain.withCallTimeout(Duration.ofSeconds(30)))) {
            assertThat(((WasmtimeModuleInstance) untimed).live().timedCalls()).isFalse();
            assertThat(((WasmtimeModuleInstance) timed).live().timedCalls()).isTrue();
            for (ModuleInstance i : List.of(untimed, timed)) {
                assertThat(i.call("callhost", 3)).containsExactly(0x7268_736A + 3);
                assertThat(trap(() -> i.call("unreachable"))).isEqualTo(Trap.UNREACHABLE);
            }
        }
    }

    @Test
    @DisplayName("NaN results are canonical (f32 0x7FC00000, f64 0x7FF8000000000000), whatever the input payload")
    void nanCanonicalisation() {
        assertThat(new WasmtimeEngineProvider().capabilities()).contains(EngineCapability.NAN_CANONICALIZATION);
        CompiledModule module = engine.compile("engine.wasm", wasm("engine.wasm"));
        try (ModuleInstance i = instance(module, host(), 65536, false)) {
            assertThat(i.call("nan32", 0x7FA0_0001L)[0] & 0xFFFF_FFFFL).isEqualTo(0x7FC0_0000L);
            assertThat(i.call("nan32", 0xFFC1_2345L)[0] & 0xFFFF_FFFFL).isEqualTo(0x7FC0_0000L);
            assertThat(i.call("nan64", 0xFFF0_0000_0000_0001L)[0]).isEqualTo(0x7FF8_0000_0000_0000L);
            assertThat(i.call("nan32", Float.floatToRawIntBits(1.5f))[0]).isEqualTo(Float.floatToRawIntBits(1.5f));
        }
    }

    @ParameterizedTest(name = "committed={0}")
    @ValueSource(booleans = {false, true})
    @DisplayName(
            "traps while instantiating keep their kind: start function (unreachable), data segment (out of bounds)")
    void instantiationTraps(boolean committed) {
        CompiledModule startTrap = engine.compile("start-trap.wasm", wasm("start-trap.wasm"));
        assertThat(trap(() -> instance(startTrap, List.of(), 65536, committed).close()))
                .isEqualTo(Trap.UNREACHABLE);
        CompiledModule dataOob = engine.compile("data-oob.wasm", wasm("data-oob.wasm"));
        assertThat(trap(() -> instance(dataOob, List.of(), 65536, committed).close()))
                .isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
    }

    @ParameterizedTest(name = "committed={0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("reset: memory, size, globals and the start function's growth are those of a fresh "
            + "instance; pages past the size trap again")
    void reset(boolean committed) {
        assertThat(fastReset()).isTrue();
        CompiledModule module = engine.compile("start-grow.wasm", wasm("start-grow.wasm"));
        try (ModuleInstance i = instance(module, List.of(), 65536, committed)) {
            for (int round = 0; round < 3; round++) {
                assertThat(i.call("size")).containsExactly(4);
                assertThat(i.call("load", 0x30000)).containsExactly(1);
                assertThat(i.call("runs")).containsExactly(1);
                assertThat(i.memory().byteSize()).isEqualTo(4L << 16);
                assertThat(i.call("load", 0x100)).containsExactly(0);
                assertThat(trap(() -> i.call("load", 4L << 16))).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
                assertThat(i.call("grow", 60)).containsExactly(4);
                i.call("store", 0x100, 42);
                i.call("store", (64L << 16) - 4, 42);
                i.call("fill", 10L << 16, 1L << 16);
                i.reset();
                assertThat(i.memoryStats().pages()).isEqualTo(4);
                assertThat(trap(() -> i.call("load", (64L << 16) - 4))).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
                assertThat(trap(() -> i.call("fill", 3L << 16, 2L << 16))).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
            }
        }
    }

    @ParameterizedTest(name = "committed={0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("a memory of 0 pages: every access traps until the guest grows it, and again after a reset")
    void emptyMemory(boolean committed) {
        CompiledModule startTrap = engine.compile("empty-start.wasm", wasm("empty-start.wasm"));
        assertThat(trap(() -> instance(startTrap, List.of(), 65536, committed).close()))
                .isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
        CompiledModule module = engine.compile("empty.wasm", wasm("empty.wasm"));
        try (ModuleInstance i = instance(module, List.of(), 65536, committed)) {
            for (int round = 0; round < 2; round++) {
                assertThat(i.memory().byteSize()).isZero();
                assertThat(trap(() -> i.call("load", 0))).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
                assertThat(i.call("grow", 1)).containsExactly(0);
                i.call("store", 8, 99);
                assertThat(i.memory().readInt(8)).isEqualTo(99);
                i.reset();
            }
        }
    }

    @ParameterizedTest(name = "committed={0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("a memory that starts at 2 GiB is refused at instantiation with ENGINE_LIMIT (documented limit)")
    void memoryStartingAtTwoGiB(boolean committed) {
        CompiledModule module = engine.compile("big-initial.wasm", wasm("big-initial.wasm"));
        assertThatThrownBy(() -> instance(module, List.of(), 65536, committed).close())
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ENGINE_LIMIT));
    }

    static long rssKiB() throws IOException {
        long bytes = new CommittedMemoryProvider().residentSetBytes();
        return bytes < 0 ? -1 : bytes >> 10;
    }

    static int mappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).size();
    }

    static int registeredHostFunctions() throws ReflectiveOperationException {
        var field = io.github.kawamuray.wasmtime.Func.class.getDeclaredField("registry");
        field.setAccessible(true);
        Object registry = field.get(null);
        var map = registry.getClass().getDeclaredField("map");
        map.setAccessible(true);
        return ((Map<?, ?>) map.get(registry)).size();
    }

    @ParameterizedTest(name = "committed={0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("150 instantiations release everything: host-function registrations, mappings, RSS")
    void noLeaks(boolean committed) throws Exception {
        CompiledModule module = engine.compile("engine.wasm", wasm("engine.wasm"));
        Runnable once = () -> {
            try (ModuleInstance i = instance(module, host(), 65536, committed)) {
                i.call("grow", 16);
                i.call("fill", 0, 17L << 16);
                assertThat(i.call("callhost", 0)).isNotEmpty();
            }
        };
        for (int n = 0; n < 10; n++) {
            once.run();
        }
        int functions = registeredHostFunctions();
        int maps = mappings();
        long rss = rssKiB();
        AtomicLong worst = new AtomicLong();
        for (int n = 0; n < 150; n++) {
            once.run();
            worst.accumulateAndGet(rssKiB() - rss, Math::max);
        }
        assertThat(registeredHostFunctions()).isEqualTo(functions);
        assertThat(mappings()).isLessThanOrEqualTo(maps + 16);
        assertThat(rssKiB() - rss).as("RSS growth (KiB) after 150 instances").isLessThan(64L << 10);
        assertThat(worst.get()).as("largest RSS growth (KiB)").isLessThan(128L << 10);
    }

    @Test
    @DisplayName("close is idempotent; an instance is unusable after close")
    void lifecycle() {
        CompiledModule module = engine.compile("engine.wasm", wasm("engine.wasm"));
        ModuleInstance i = instance(module, host(), 65536, false);
        var memory = i.memory();
        i.close();
        i.close();
        assertThatThrownBy(() -> i.call("size")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(memory::byteSize).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> memory.readInt(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> i.call("nosuch")).isInstanceOf(IllegalStateException.class);
        try (ModuleInstance j = instance(module, host(), 65536, false)) {
            assertThatThrownBy(() -> j.call("nosuch"))
                    .isInstanceOfSatisfying(
                            JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LINK));
            assertThatThrownBy(() -> j.call("grow"))
                    .isInstanceOfSatisfying(
                            JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LINK));
        }
    }

    @Test
    @DisplayName("a mistyped or missing host function does not link")
    void linking() {
        CompiledModule module = engine.compile("engine.wasm", wasm("engine.wasm"));
        assertThatThrownBy(() -> instance(module, List.of(), 65536, false))
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LINK));
        var wrong = List.of(
                new HostFunction("env", "host", FunctionSignature.of(List.of(), List.of()), (m, a) -> new long[0]));
        assertThatThrownBy(() -> instance(module, wrong, 65536, false))
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LINK));
    }

    @Test
    @DisplayName("the patch caps the declared maximum, hoists the start function and exports the "
            + "memory, and still validates")
    void patch() {
        WasmtimeCompiledModule original =
                (WasmtimeCompiledModule) engine.compile("start-grow.wasm", wasm("start-grow.wasm"));
        ModuleFacts facts = original.facts();
        assertThat(facts.hasStart()).isTrue();
        byte[] patched = original.patch(facts, OptionalInt.of(40));
        ModuleFacts again = ModuleFacts.read("patched", patched);
        assertThat(again.hasStart()).isFalse();
        assertThat(again.exportedFunction(WasmtimeCompiledModule.START_EXPORT))
                .hasValue(FunctionSignature.of(List.of(), List.of()));
        assertThat(again.memory().orElseThrow().maximumPages()).hasValue(40);
        assertThat(again.exportedFunction("grow")).isEqualTo(facts.exportedFunction("grow"));
        assertThat(original.patch(again, OptionalInt.of(40)))
                .as("patching again changes nothing")
                .isEqualTo(patched);
        CompiledModule compiled = engine.compile("patched.wasm", patched);
        assertThat(compiled.memory().orElseThrow().maximumPages()).hasValue(40);
    }

    @Test
    @DisplayName("bad bytes are MODULE_INVALID naming engine and module")
    void invalid() {
        assertThatThrownBy(() ->
                        engine.compile("junk.wasm", "(module)".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                .isInstanceOfSatisfying(JshrewException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MODULE_INVALID);
                    assertThat(e.getMessage()).contains("wasmtime").contains("junk.wasm");
                });
        byte[] truncated = java.util.Arrays.copyOf(wasm("engine.wasm"), 60);
        assertThatThrownBy(() -> engine.compile("truncated.wasm", truncated))
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MODULE_INVALID));
    }

    @Test
    @DisplayName("the binding's extracted JNI library is deleted once loaded")
    void nativeLibraryCopyDeleted() throws IOException {
        Path tmp =
                Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            int slash = line.indexOf('/');
            if (slash >= 0 && line.contains("libwasmtime_jni_")) {
                Path lib = Path.of(line.substring(slash).replace(" (deleted)", ""));
                if (tmp.equals(lib.getParent())) {
                    assertThat(lib).doesNotExist();
                }
            }
        }
    }
}
