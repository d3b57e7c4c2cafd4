package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.engine.GuestMemory;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.Trap;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The host's view of an instance's memory, bounds-checked against the guest-visible size: on a committed instance
 * the pages beyond it are {@code PROT_NONE}, and a Java access there would crash the JVM, so nothing past
 * {@link WasmtimeModuleInstance#guestBytes()} is ever touched.
 */
final class WasmtimeGuestMemory implements GuestMemory {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final WasmtimeModuleInstance instance;

    WasmtimeGuestMemory(WasmtimeModuleInstance instance) {
        this.instance = instance;
    }

    @Override
    public long byteSize() {
        instance.ensureOpen();
        return instance.guestBytes();
    }

    private MemorySegment segment(long address, long length) {
        long size = byteSize();
        if (address < 0 || length < 0 || address + length > size) {
            throw new GuestTrapException(Trap.MEMORY_OUT_OF_BOUNDS, "host access of " + length + " bytes at " + address
                    + " is outside guest memory of " + size + " bytes");
        }
        return instance.reservation();
    }

    @Override
    public byte[] read(long address, int length) {
        byte[] out = new byte[length];
        if (length > 0) {
            MemorySegment.copy(segment(address, length), ValueLayout.JAVA_BYTE, address, out, 0, length);
        } else {
            segment(address, 0);
        }
        return out;
    }

    @Override
    public void write(long address, byte[] data) {
        MemorySegment s = segment(address, data.length);
        if (data.length > 0) {
            MemorySegment.copy(data, 0, s, ValueLayout.JAVA_BYTE, address, data.length);
        }
    }

    @Override
    public int readInt(long address) {
        return segment(address, 4).get(INT, address);
    }

    @Override
    public void writeInt(long address, int value) {
        segment(address, 4).set(INT, address, value);
    }
}
