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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which modules Chicory resets keeping its instance, and that it does keep it, until a call fails. That the state
 * then equals a fresh instance's is the conformance kit's {@code ResetConformanceTest} (state.wat and its variants,
 * the spendables indexer), run on both modes by {@link ChicoryResetConformanceTest}.
 */
class ChicoryInPlaceResetTest {
    private static final InstanceOptions SMALL = new InstanceOptions(64, 8L << 20, Duration.ZERO);

    private static WasmEngine engine(String mode) {
        return new ChicoryEngineProvider()
                .create(EngineContext.of(Map.of("mode", mode), new CommittedMemoryProvider()));
    }

    private static ChicoryCompiledModule.InPlaceReset facts(WasmEngine engine, String guest) {
        return ((ChicoryCompiledModule) engine.compile(guest, Fixtures.guest(guest))).inPlaceReset();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"compiler", "interpreter"})
    void whichModulesQualify(String mode) {
        try (WasmEngine engine = engine(mode)) {
            // start function that writes a table and drops an element segment: its pre-start tables are not known
            assertThat(facts(engine, "wat/state.wasm").available()).isFalse();
            assertThat(facts(engine, "wat/state-nostart.wasm"))
                    .isEqualTo(new ChicoryCompiledModule.InPlaceReset(true, true, true, -1));
            var notables = facts(engine, "wat/state-notables.wasm");
            assertThat(notables.available()).isTrue();
            assertThat(notables.tablesWritten()).isFalse();
            assertThat(notables.elementsDropped()).isFalse();
            assertThat(notables.startFunction()).isNotNegative();
            // both builds of the spendables indexer qualify; AssemblyScript's has a start function (its static init)
            assertThat(facts(engine, "spendables/spendables.wasm").available()).isTrue();
            var assemblyScript = facts(engine, "spendables-as/spendables-as.wasm");
            assertThat(assemblyScript.available()).isTrue();
            assertThat(assemblyScript.startFunction()).isNotNegative();
            // Chicory keeps each thrown wasm exception in its instance
            assertThat(facts(engine, "wat/throws.wasm").available()).isFalse();
            // an imported memory is state outside the instance
            assertThat(facts(engine, "wat/imports-memory.wasm").available()).isFalse();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"compiler", "interpreter"})
    void keepsTheInstanceUntilACallFails(String mode) {
        try (WasmEngine engine = engine(mode);
                var instance = (ChicoryModuleInstance) engine.compile("dirty.wasm", Fixtures.guest("wat/dirty.wasm"))
                        .instantiate(List.of(), SMALL)) {
            for (int i = 0; i < 5; i++) {
                instance.call("dirty", 2);
                assertThat(instance.memoryStats().highWaterPages()).isEqualTo(32);
                instance.reset();
                assertPristine(instance);
            }
            assertThat(instance.instantiations()).isEqualTo(1);

            // 100 MiB is past the 64-page limit: memory.grow returns -1 and the guest traps mid-call
            assertThatThrownBy(() -> instance.call("dirty", 100))
                    .isInstanceOfSatisfying(
                            GuestTrapException.class, e -> assertThat(e.trap()).isEqualTo(Trap.UNREACHABLE));
            instance.reset();
            assertPristine(instance);
            assertThat(instance.instantiations())
                    .as("a trap: instantiated afresh")
                    .isEqualTo(2);

            instance.call("dirty", 1);
            instance.reset();
            assertPristine(instance);
            assertThat(instance.instantiations()).as("kept again").isEqualTo(2);
        }
    }

    private static void assertPristine(ChicoryModuleInstance instance) {
        assertThat(instance.memoryStats().pages()).isEqualTo(1);
        assertThat(instance.memory().byteSize()).isEqualTo(65536);
        assertThat(instance.memory().read(0, 65536)).containsOnly(0);
    }
}
