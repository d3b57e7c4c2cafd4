package dev.jshrew.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.EngineCapability;
import dev.jshrew.api.engine.Trap;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.host.EngineRegistry;
import dev.jshrew.host.GuestCallException;
import dev.jshrew.host.ResetMode;
import dev.jshrew.host.RunOptions;
import dev.jshrew.host.ViewRunner;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link EngineCapability#CALL_TIMEOUT} (views only, {@code --view-timeout}): a view that never returns fails with
 * {@link Trap#TIMEOUT} once its timeout has passed, whatever it loops on; the runner's next call gets a pristine
 * instance; calls that finish in time are untouched; indexing never times out. An engine without the capability
 * refuses a timeout at startup with {@link ErrorCode#ENGINE_LIMIT}. The wall-clock bounds are loose on purpose
 * (the kit runs on busy 2-core machines): the lower bound proves the call was not stopped early, the {@link Timeout}
 * that it was stopped at all.
 */
public abstract class TimeoutConformanceTest extends EngineTest {
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    private static final String GUEST = "wat/spin.wasm";

    private boolean supported() {
        return EngineRegistry.load().resolve(engineName()).capabilities().contains(EngineCapability.CALL_TIMEOUT);
    }

    private Harness harness(String name, Duration timeout) {
        return new Harness(
                engineName(),
                engineOptions(),
                GUEST,
                temp.resolve(name),
                Harness.testOptions(ResetMode.FAST).withViewTimeout(timeout));
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] counter(int value) {
        return new byte[] {(byte) value, (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)};
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @DisplayName(
            "a view looping on a branch, on guest calls or on host calls stops with TIMEOUT; the next call is pristine")
    void runawayViewsStop() {
        if (!supported()) {
            assertThatThrownBy(() -> harness("refused", TIMEOUT).close())
                    .isInstanceOfSatisfying(
                            JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ENGINE_LIMIT))
                    .hasMessageContaining(engineName());
            return;
        }
        try (Harness h = harness("spin", TIMEOUT)) {
            h.index(0, new byte[80]);
            for (String view : new String[] {"spin", "spin_calls", "spin_host"}) {
                long start = System.nanoTime();
                assertThatThrownBy(() -> h.view(view, new byte[0], 0))
                        .as(view)
                        .isInstanceOfSatisfying(GuestCallException.class, e -> {
                            assertThat(e.code()).isEqualTo(ErrorCode.TRAP);
                            assertThat(EngineConformanceTest.trapOf(e)).isEqualTo(Trap.TIMEOUT);
                        })
                        .hasMessageContaining("engine " + engineName())
                        .hasMessageContaining("module " + GUEST)
                        .hasMessageContaining("view at height 0")
                        .hasMessageContaining("Failed to execute view function '" + view
                                + "': stopped after the view timeout of 0.3 s");
                assertThat(System.nanoTime() - start)
                        .as(view + " ran at least its timeout")
                        .isGreaterThanOrEqualTo(TIMEOUT.toNanos());
                // spin_calls counted in memory: the next call sees a fresh instance (counter 0), and answers.
                assertThat(h.view("count", new byte[0], 0)).as("after " + view).isEqualTo(counter(0));
                assertThat(text(h.view("quick", new byte[0], 0))).isEqualTo("ok");
            }
        }
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    @DisplayName("calls that end in time are never touched by the timeout, nor by one that fired before them")
    void callsInTimeAreUntouched() {
        assumeTrue(
                supported(),
                engineName() + " does not declare CALL_TIMEOUT (its refusal is asserted by runawayViewsStop)");
        try (Harness h = harness("in-time", Duration.ofSeconds(30))) {
            h.index(0, new byte[80]);
            for (int i = 0; i < 12; i++) {
                assertThat(text(h.view("bounded", new byte[0], 0))).isEqualTo("ok");
                assertThat(text(h.view("quick", new byte[0], 0))).isEqualTo("ok");
            }
        }
        // A timeout shorter than a call's run, then many quick calls right after it: an alarm that fired late must
        // not reach them. 250 ms, not less: a quick call on Chicory's interpreter on a loaded 2-core machine (GC,
        // other builds) can itself take tens of milliseconds, and that would be a real timeout, not a late alarm.
        try (Harness h = harness("after", Duration.ofMillis(250))) {
            h.index(0, new byte[80]);
            for (int round = 0; round < 5; round++) {
                assertThatThrownBy(() -> h.view("spin_calls", new byte[0], 0)).isInstanceOf(GuestCallException.class);
                for (int i = 0; i < 200; i++) {
                    assertThat(text(h.view("quick", new byte[0], 0))).isEqualTo("ok");
                }
            }
        }
    }

    @Test
    @DisplayName("the host refuses a view timeout for an engine that does not declare CALL_TIMEOUT, before any call")
    void undeclaredCapabilityIsRefused() {
        try (Harness h = harness("undeclared", Duration.ZERO)) {
            // the same compiled module, as if compiled by an engine that declares nothing
            CompiledModule undeclared = undeclaredEngine(h.module());
            assertThatThrownBy(() -> new ViewRunner(
                                    undeclared,
                                    h.store(),
                                    Harness.testOptions(ResetMode.FAST).withViewTimeout(Duration.ofSeconds(5)),
                                    line -> {})
                            .close())
                    .isInstanceOfSatisfying(
                            JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ENGINE_LIMIT))
                    .hasMessage("engine undeclared-engine, module " + GUEST
                            + ": the engine cannot stop a running call (no CALL_TIMEOUT),"
                            + " so a view timeout of 5 s cannot be kept; run with --view-timeout 0");
            // without a timeout the same runner is fine
            try (ViewRunner plain =
                    new ViewRunner(undeclared, h.store(), Harness.testOptions(ResetMode.FAST), line -> {})) {
                assertThat(text(plain.view("quick", new byte[0], 0))).isEqualTo("ok");
            }
        }
    }

    @Test
    @DisplayName("indexing never times out: a 1 ms view timeout does not apply to a _start of 3,000,000 calls")
    void indexingHasNoTimeout() {
        assumeTrue(
                supported(),
                engineName() + " does not declare CALL_TIMEOUT (its refusal is asserted by runawayViewsStop)");
        try (Harness h = harness("index", Duration.ofMillis(1))) {
            for (int height = 0; height < 3; height++) {
                h.index(height, new byte[80]);
            }
            assertThat(h.store().tip()).hasValue(2);
        }
        assertThat(RunOptions.defaults().viewTimeout()).isEqualTo(Duration.ZERO);
    }

    /** {@code module}, reporting an engine named {@code undeclared-engine} with no capabilities. */
    private static CompiledModule undeclaredEngine(CompiledModule module) {
        WasmEngine engine = new WasmEngine() {
            @Override
            public String name() {
                return "undeclared-engine";
            }

            @Override
            public java.util.Set<dev.jshrew.api.engine.EngineCapability> capabilities() {
                return java.util.Set.of();
            }

            @Override
            public CompiledModule compile(String moduleName, byte[] wasm) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void close() {}
        };
        return new CompiledModule() {
            @Override
            public String name() {
                return module.name();
            }

            @Override
            public WasmEngine engine() {
                return engine;
            }

            @Override
            public java.util.List<dev.jshrew.api.engine.ImportSpec> imports() {
                return module.imports();
            }

            @Override
            public java.util.Optional<dev.jshrew.api.engine.FunctionSignature> exportedFunction(String name) {
                return module.exportedFunction(name);
            }

            @Override
            public java.util.Optional<dev.jshrew.api.engine.MemoryLimits> memory() {
                return module.memory();
            }

            @Override
            public dev.jshrew.api.engine.ModuleInstance instantiate(
                    java.util.List<dev.jshrew.api.engine.HostFunction> imports,
                    dev.jshrew.api.engine.InstanceOptions options) {
                return module.instantiate(imports, options);
            }
        };
    }
}
