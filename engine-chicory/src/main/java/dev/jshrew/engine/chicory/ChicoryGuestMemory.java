package dev.jshrew.engine.chicory;

import dev.jshrew.api.engine.GuestMemory;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.Trap;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** The host's view of a {@link SegmentMemory}: bounds-checked against the guest-visible size. */
final class ChicoryGuestMemory implements GuestMemory {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final SegmentMemory memory;

    ChicoryGuestMemory(SegmentMemory memory) {
        this.memory = memory;
    }

    @Override
    public long byteSize() {
        return memory.byteSize();
    }

    private MemorySegment segment(long address, long length) {
        if (address < 0 || length < 0 || address + length > memory.byteSize()) {
            throw new GuestTrapException(Trap.MEMORY_OUT_OF_BOUNDS, "host access of " + length + " bytes at " + address
                    + " is outside guest memory of " + memory.byteSize() + " bytes");
        }
        return memory.segment();
    }

    @Override
    public byte[] read(long address, int length) {
        byte[] out = new byte[length];
        MemorySegment.copy(segment(address, length), ValueLayout.JAVA_BYTE, address, out, 0, length);
        return out;
    }

    @Override
    public void write(long address, byte[] data) {
        MemorySegment.copy(data, 0, segment(address, data.length), ValueLayout.JAVA_BYTE, address, data.length);
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
