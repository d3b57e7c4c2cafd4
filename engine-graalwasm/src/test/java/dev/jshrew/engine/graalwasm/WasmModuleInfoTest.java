package dev.jshrew.engine.graalwasm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.engine.FunctionSignature;
import dev.jshrew.api.engine.ImportSpec;
import dev.jshrew.api.engine.MemoryLimits;
import dev.jshrew.api.engine.ValueType;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class WasmModuleInfoTest {
    @Test
    void readsImportsExportsAndMemory() {
        byte[] wasm = GraalwasmEngineTest.fixture("host-calls.wasm");
        WasmModuleInfo info = WasmModuleInfo.read("host-calls.wasm", wasm);
        FunctionSignature i32ToI32 = FunctionSignature.of(List.of(ValueType.I32), List.of(ValueType.I32));
        assertThat(info.imports()).containsExactly(new ImportSpec("env", "hook", ImportSpec.Kind.FUNCTION, java.util.Optional.of(i32ToI32)));
        assertThat(info.exportedFunction("run")).contains(i32ToI32);
        assertThat(info.exportedFunction("size")).contains(FunctionSignature.of(List.of(), List.of(ValueType.I32)));
        assertThat(info.exportedFunction("memory")).isEmpty();
        assertThat(info.memoryExport()).contains("memory");
        assertThat(info.memory()).contains(new MemoryLimits(2, OptionalInt.empty()));

        WasmModuleInfo patched = WasmModuleInfo.read("x", info.withMemoryMaximum(wasm, 7));
        assertThat(patched.memory()).contains(new MemoryLimits(2, OptionalInt.of(7)));
        assertThat(patched.imports()).isEqualTo(info.imports());
        assertThat(patched.exportedFunction("run")).isEqualTo(info.exportedFunction("run"));
    }

    @Test
    void trapMessages() {
        assertThat(Traps.trapOf("4-byte memory access at address 0x00000001FFFFFFFE (8589934590) is out-of-bounds (memory size 8388608 bytes)."))
                .isEqualTo(dev.jshrew.api.engine.Trap.MEMORY_OUT_OF_BOUNDS);
        assertThat(Traps.trapOf("out of bounds memory access")).isEqualTo(dev.jshrew.api.engine.Trap.MEMORY_OUT_OF_BOUNDS);
        assertThat(Traps.trapOf("unreachable")).isEqualTo(dev.jshrew.api.engine.Trap.UNREACHABLE);
        assertThat(Traps.trapOf("integer divide by zero")).isEqualTo(dev.jshrew.api.engine.Trap.INTEGER_DIVIDE_BY_ZERO);
        assertThat(Traps.trapOf("call stack exhausted")).isEqualTo(dev.jshrew.api.engine.Trap.STACK_OVERFLOW);
        assertThat(Traps.trapOf("indirect call type mismatch")).isEqualTo(dev.jshrew.api.engine.Trap.INDIRECT_CALL_TYPE_MISMATCH);
        assertThat(Traps.trapOf("uninitialized element")).isEqualTo(dev.jshrew.api.engine.Trap.UNINITIALIZED_ELEMENT);
        assertThat(Traps.trapOf("something new")).isEqualTo(dev.jshrew.api.engine.Trap.OTHER);
    }
}
