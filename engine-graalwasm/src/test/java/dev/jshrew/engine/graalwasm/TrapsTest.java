package dev.jshrew.engine.graalwasm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.engine.Trap;
import org.junit.jupiter.api.Test;

/** GraalWasm's trap messages, as {@link Traps} classifies them. */
class TrapsTest {
    @Test
    void trapMessages() {
        assertThat(Traps.trapOf("4-byte memory access at address 0x00000001FFFFFFFE "
                        + "(8589934590) is out-of-bounds (memory size 8388608 bytes)."))
                .isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
        assertThat(Traps.trapOf("out of bounds memory access")).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
        assertThat(Traps.trapOf("unreachable")).isEqualTo(Trap.UNREACHABLE);
        assertThat(Traps.trapOf("integer divide by zero")).isEqualTo(Trap.INTEGER_DIVIDE_BY_ZERO);
        assertThat(Traps.trapOf("call stack exhausted")).isEqualTo(Trap.STACK_OVERFLOW);
        assertThat(Traps.trapOf("indirect call type mismatch")).isEqualTo(Trap.INDIRECT_CALL_TYPE_MISMATCH);
        assertThat(Traps.trapOf("uninitialized element")).isEqualTo(Trap.UNINITIALIZED_ELEMENT);
        assertThat(Traps.trapOf("something new")).isEqualTo(Trap.OTHER);
    }
}
