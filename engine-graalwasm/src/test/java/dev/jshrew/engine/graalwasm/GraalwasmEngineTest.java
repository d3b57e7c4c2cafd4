package dev.jshrew.engine.graalwasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.EngineContext;
import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.HostFunction;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.ModuleInstance;
import dev.jshrew.api.engine.Trap;
import dev.jshrew.api.engine.ValueType;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.memory.CommittedMemoryProvider;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What the kit does not cover: the runtime check, host exceptions, the virtual size, the fallback without reset. */
class GraalwasmEngineTest {
    private static WasmEngine engine;

    @BeforeAll
    static void start() {
        engine = new GraalwasmEngineProvider().create(EngineContext.of(Map.of(), new CommittedMemoryProvider()));
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    static byte[] fixture(String name) {
        try (InputStream in = GraalwasmEngineTest.class.getResourceAsStream("/graalwasm/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HostFunction hook(HostFunction.Implementation impl) {
        return new HostFunction(
                "env", "hook", FunctionSignature.of(List.of(ValueType.I32), List.of(ValueType.I32)), impl);
    }

    @Test
    @DisplayName("these tests run on the Graal JIT (surefire puts GraalVM on the module path), and the engine says so")
    void jit() {
        assertThat(((GraalwasmEngine) engine).runtime())
                .contains("Graal JIT")
                .doesNotContain(GraalwasmEngine.INTERPRETED_RUNTIME);
    }

    @Test
    @DisplayName("without the JIT the engine refuses, unless the interpreter was asked for")
    void refusesTheInterpreterUnlessAsked() {
        assertThatThrownBy(() ->
                        GraalwasmEngine.requireRuntime(GraalwasmEngine.Mode.JIT, GraalwasmEngine.INTERPRETED_RUNTIME))
                .isInstanceOfSatisfying(JshrewException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.ENGINE_UNAVAILABLE);
                    assertThat(e.getMessage()).contains("java -jar jshrew.jar").contains("-E mode=interpreter");
                });
        GraalwasmEngine.requireRuntime(GraalwasmEngine.Mode.INTERPRETER, GraalwasmEngine.INTERPRETED_RUNTIME);
        GraalwasmEngine.requireRuntime(GraalwasmEngine.Mode.JIT, "GraalVM CE");
        assertThatThrownBy(() -> new GraalwasmEngineProvider()
                        .create(EngineContext.of(Map.of("mode", "fast"), new CommittedMemoryProvider())))
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INPUT));
        assertThatThrownBy(() -> new GraalwasmEngineProvider()
                        .create(EngineContext.of(Map.of("colour", "red"), new CommittedMemoryProvider())))
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.getMessage()).contains("colour"));
    }

    @Test
    @DisplayName("-E mode=interpreter runs Truffle's interpreter on purpose, even where the JIT is available")
    void interpreterOnRequest() {
        try (WasmEngine interpreter = new GraalwasmEngineProvider()
                .create(EngineContext.of(Map.of("mode", "interpreter"), new CommittedMemoryProvider()))) {
            assertThat(((GraalwasmEngine) interpreter).runtime()).contains("interpreter");
            CompiledModule module = interpreter.compile("host-calls.wasm", fixture("host-calls.wasm"));
            try (ModuleInstance instance = module.instantiate(
                    List.of(hook((m, a) -> new long[] {a[0] + 1})), InstanceOptions.uncommitted(65536))) {
                assertThat(instance.call("run", 41)).containsExactly(42);
            }
        }
    }

    @Test
    @DisplayName("exceptions thrown by host functions come out of call() unchanged")
    void hostExceptionsUnchanged() {
        CompiledModule module = engine.compile("host-calls.wasm", fixture("host-calls.wasm"));
        GuestTrapException trap = new GuestTrapException(Trap.HOST, "on purpose");
        JshrewException abi = new JshrewException(ErrorCode.GUEST_ABI, "broken flush");
        AtomicReference<RuntimeException> next = new AtomicReference<>();
        HostFunction fn = hook((memory, args) -> {
            if (next.get() != null) {
                throw next.get();
            }
            return new long[] {args[0] * 2};
        });
        try (ModuleInstance instance = module.instantiate(List.of(fn), InstanceOptions.uncommitted(65536))) {
            assertThat(instance.call("run", 21)).containsExactly(42);
            assertThat(instance.call("run", -4)).containsExactly(-8);
            for (RuntimeException e : List.of(trap, abi, new IllegalStateException("host bug"))) {
                next.set(e);
                assertThatThrownBy(() -> instance.call("run", 1)).isSameAs(e);
            }
            next.set(null);
            assertThat(instance.call("run", 5)).containsExactly(10);
            assertThatThrownBy(() -> instance.call("nosuch"))
                    .isInstanceOfSatisfying(
                            JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LINK));
        }
    }

    @Test
    @DisplayName(
            "a committed instance: host and guest accesses past the guest's size trap, though the memory is larger")
    void virtualSize() {
        CompiledModule module = engine.compile("host-calls.wasm", fixture("host-calls.wasm"));
        try (ModuleInstance instance =
                module.instantiate(List.of(hook((m, a) -> new long[] {0})), new InstanceOptions(65536, 8L << 20))) {
            assertThat(instance.memoryStats().committedBytes()).isEqualTo(8L << 20);
            assertThat(instance.memory().byteSize()).isEqualTo(2 * 65536);
            assertThatThrownBy(() -> instance.memory().read(0x20000 - 2, 4))
                    .isInstanceOfSatisfying(
                            GuestTrapException.class, e -> assertThat(e.trap()).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS));
            assertThatThrownBy(() -> instance.call("load", 0x20000))
                    .isInstanceOfSatisfying(
                            GuestTrapException.class, e -> assertThat(e.trap()).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS));
            assertThat(instance.call("grow", 1)).containsExactly(2);
            instance.memory().write(0x20000, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
            assertThat(instance.memory().read(0x20000, 9)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
            assertThat(instance.memory().readInt(0x20000)).isEqualTo(0x04030201);
            assertThat(instance.call("load", 0x20004)).containsExactly(5);
            assertThat(instance.memoryStats().pages()).isEqualTo(3);
            instance.reset();
            assertThat(instance.memory().byteSize()).isEqualTo(2 * 65536);
            assertThat(instance.memoryStats().highWaterPages()).isEqualTo(2);
            assertThat(instance.call("size")).containsExactly(2);
            assertThat(instance.call("grow", 1)).containsExactly(2);
            assertThat(instance.call("load", 0x20004))
                    .as("the grown page is zero again")
                    .containsExactly(0);
        }
    }

    @Test
    @DisplayName("a module the rewrite refuses runs as a fresh instance per block, its limit enforced as its maximum")
    void fallbackWithoutReset() {
        CompiledModule module = engine.compile("simd.wasm", fixture("simd.wasm"));
        try (ModuleInstance instance = module.instantiate(List.of(), new InstanceOptions(5, 8L << 20))) {
            assertThat(instance.call("lanes")).containsExactly(3);
            assertThat(instance.call("grow", 3)).containsExactly(1);
            assertThat(instance.call("grow", 2)).containsExactly(-1);
            assertThat(instance.call("grow", 1)).containsExactly(4);
            assertThat(instance.memory().byteSize()).isEqualTo(5 * 65536);
            assertThat(instance.memoryStats().committedBytes()).isZero();
            assertThatThrownBy(instance::reset).isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Test
    @DisplayName("malformed bytes are refused at compile time as MODULE_INVALID")
    void malformed() {
        for (byte[] bad : List.of(new byte[] {0, 'a', 's', 'm', 2, 0, 0, 0}, new byte[] {1, 2, 3}, new byte[] {
            0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x55
        })) {
            assertThatThrownBy(() -> engine.compile("bad.wasm", bad))
                    .isInstanceOfSatisfying(JshrewException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.MODULE_INVALID);
                        assertThat(e.getMessage()).contains("graalwasm").contains("bad.wasm");
                    });
        }
    }
}
