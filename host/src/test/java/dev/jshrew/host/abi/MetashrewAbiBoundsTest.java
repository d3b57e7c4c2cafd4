package dev.jshrew.host.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.engine.GuestMemory;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.HostFunction;
import dev.jshrew.api.engine.ImportSpec;
import dev.jshrew.api.engine.Trap;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The ABI's own bounds rule for host writes ({@code __load_input}, {@code __get}), independent of the engine's view:
 * the memory here does not check anything itself, so only MetashrewAbi stands between a write and past-the-end bytes.
 */
class MetashrewAbiBoundsTest {
    private static final int SIZE = 0x10000;

    /** A view that reports SIZE bytes but has slack behind it and checks nothing, to expose the ABI's check alone. */
    static final class Unchecked implements GuestMemory {
        final byte[] bytes = new byte[SIZE + 64];

        @Override
        public long byteSize() {
            return SIZE;
        }

        @Override
        public byte[] read(long address, int length) {
            return Arrays.copyOfRange(bytes, (int) address, (int) address + length);
        }

        @Override
        public void write(long address, byte[] data) {
            System.arraycopy(data, 0, bytes, (int) address, data.length);
        }

        @Override
        public int readInt(long address) {
            return java.nio.ByteBuffer.wrap(bytes, (int) address, 4)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .getInt();
        }

        @Override
        public void writeInt(long address, int value) {
            java.nio.ByteBuffer.wrap(bytes, (int) address, 4)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .putInt(value);
        }
    }

    static HostFunction.Implementation function(CallContext context, String name) {
        var spec = new ImportSpec(
                MetashrewAbi.MODULE, name, ImportSpec.Kind.FUNCTION, Optional.of(MetashrewAbi.SIGNATURES.get(name)));
        return new MetashrewAbi(context, s -> {})
                .bind(java.util.List.of(spec), "test.wasm")
                .get(0)
                .implementation();
    }

    @Test
    void loadInputMayEndExactlyAtTheEndButNotOneBytePast() {
        CallContext context = new CallContext();
        byte[] payload = {1, 2, 3, 4, 5};
        context.arm(CallContext.Mode.INDEX, 7, payload, key -> new byte[0], false);
        var loadInput = function(context, "__load_input");
        Unchecked memory = new Unchecked();
        long last = SIZE - (4 + payload.length);
        loadInput.call(memory, new long[] {last});
        assertThat(Arrays.copyOfRange(memory.bytes, (int) last + 4, SIZE)).containsExactly(payload);
        Unchecked fresh = new Unchecked();
        assertThatThrownBy(() -> loadInput.call(fresh, new long[] {last + 1}))
                .isInstanceOfSatisfying(GuestTrapException.class, e -> {
                    assertThat(e.trap()).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
                    assertThat(e.getMessage()).contains("__load_input");
                });
        assertThat(fresh.bytes).containsOnly(0);
    }

    @Test
    void getMayEndExactlyAtTheEndButNotOneBytePast() {
        CallContext context = new CallContext();
        byte[] value = {7, 7, 7};
        context.arm(CallContext.Mode.VIEW, 0, new byte[0], key -> value, false);
        var get = function(context, "__get");
        Unchecked memory = new Unchecked();
        memory.writeInt(0x100 - 4, 1); // a 1-byte key at 0x100
        get.call(memory, new long[] {0x100, SIZE - value.length});
        assertThat(Arrays.copyOfRange(memory.bytes, SIZE - value.length, SIZE)).containsExactly(value);
        Unchecked fresh = new Unchecked();
        fresh.writeInt(0x100 - 4, 1);
        assertThatThrownBy(() -> get.call(fresh, new long[] {0x100, SIZE - value.length + 1}))
                .isInstanceOfSatisfying(
                        GuestTrapException.class, e -> assertThat(e.trap()).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS));
        assertThat(Arrays.copyOfRange(fresh.bytes, SIZE - 8, SIZE + 64)).containsOnly(0);
    }
}
