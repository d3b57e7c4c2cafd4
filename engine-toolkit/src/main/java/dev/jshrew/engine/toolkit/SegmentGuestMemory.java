package dev.jshrew.engine.toolkit;

import dev.jshrew.api.engine.GuestMemory;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.Trap;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The host's view of guest memory that lives in a {@link MemorySegment}, for engines that own such a segment
 * (Chicory's committed memory, wasmtime's mapping). Every access is checked against the guest-visible size, which the
 * engine tracks, never against the segment: past that size the memory may be committed but not the guest's, and on
 * wasmtime it is {@code PROT_NONE}, where a Java access would crash the JVM. Confined to the instance's thread.
 */
public final class SegmentGuestMemory implements GuestMemory {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Told of every range the host writes, after it is written: for an engine that tracks what a reset must undo. */
    @FunctionalInterface
    public interface Writes {
        void written(long address, long length);
    }

    private final LongSupplier byteSize;
    private final Supplier<MemorySegment> segment;
    private final Writes writes;

    /**
     * @param byteSize the guest-visible size in bytes ({@code memory.size} × 64 KiB), asked on every access
     * @param segment the memory, addressed from the guest's address 0
     */
    public SegmentGuestMemory(LongSupplier byteSize, Supplier<MemorySegment> segment) {
        this(byteSize, segment, (address, length) -> {});
    }

    /** As {@link #SegmentGuestMemory(LongSupplier, Supplier)}, telling {@code writes} of every non-empty write. */
    public SegmentGuestMemory(LongSupplier byteSize, Supplier<MemorySegment> segment, Writes writes) {
        this.byteSize = Objects.requireNonNull(byteSize, "byteSize");
        this.segment = Objects.requireNonNull(segment, "segment");
        this.writes = Objects.requireNonNull(writes, "writes");
    }

    /**
     * Traps the guest ({@link Trap#MEMORY_OUT_OF_BOUNDS}) unless {@code [address, address + length)} lies within
     * {@code size} bytes: the one bounds rule of every engine's host view.
     */
    public static void checkBounds(long address, long length, long size) {
        if (address < 0 || length < 0 || address + length > size) {
            throw new GuestTrapException(
                    Trap.MEMORY_OUT_OF_BOUNDS,
                    "host access of " + length + " bytes at " + address + " is outside guest memory of " + size
                            + " bytes");
        }
    }

    @Override
    public long byteSize() {
        return byteSize.getAsLong();
    }

    private MemorySegment checked(long address, long length) {
        checkBounds(address, length, byteSize());
        return segment.get();
    }

    @Override
    public byte[] read(long address, int length) {
        MemorySegment s = checked(address, length);
        byte[] out = new byte[length];
        if (length > 0) {
            MemorySegment.copy(s, ValueLayout.JAVA_BYTE, address, out, 0, length);
        }
        return out;
    }

    @Override
    public void write(long address, byte[] data) {
        MemorySegment s = checked(address, data.length);
        if (data.length > 0) {
            MemorySegment.copy(data, 0, s, ValueLayout.JAVA_BYTE, address, data.length);
            writes.written(address, data.length);
        }
    }

    @Override
    public int readInt(long address) {
        return checked(address, 4).get(INT, address);
    }

    @Override
    public void writeInt(long address, int value) {
        checked(address, 4).set(INT, address, value);
        writes.written(address, 4);
    }
}
