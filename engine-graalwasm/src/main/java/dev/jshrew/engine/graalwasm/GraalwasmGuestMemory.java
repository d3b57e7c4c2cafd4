package dev.jshrew.engine.graalwasm;

import dev.jshrew.api.engine.GuestMemory;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.MemoryLimits;
import dev.jshrew.api.engine.Trap;
import dev.jshrew.engine.toolkit.SegmentGuestMemory;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.graalvm.polyglot.Value;

/**
 * The host's view of an instance's memory, through the polyglot buffer API of the exported memory: reads are bulk
 * ({@link Value#readBuffer}), writes go eight bytes at a time (the API has no bulk write). Every access is checked
 * against the guest's size: over the rewritten module that is the virtual page count, which the {@code jshrew.grow}
 * hook reports (the physical memory is larger once committed); over an original module it is the memory's size.
 * Confined to the instance's thread.
 */
final class GraalwasmGuestMemory implements GuestMemory {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, LE);

    private final boolean virtual;
    private Value memory;
    private int pages;
    private int highWaterPages;

    /**
     * @param virtual whether the guest's size is the rewrite's virtual page count (else the memory's own size)
     * @param initialPages the guest's size at instantiation
     */
    GraalwasmGuestMemory(boolean virtual, int initialPages) {
        this.virtual = virtual;
        this.pages = initialPages;
        this.highWaterPages = initialPages;
    }

    void attach(Value exportedMemory) {
        this.memory = exportedMemory;
    }

    void detach() {
        this.memory = null;
    }

    /** The grow hook: the guest's size went up to {@code newPages}. */
    void grown(int newPages) {
        pages = newPages;
        highWaterPages = Math.max(highWaterPages, newPages);
    }

    /** Before the rewrite's reset: the guest is back to its initial size (the start function may grow it again). */
    void resetTo(int initialPages) {
        pages = initialPages;
        highWaterPages = initialPages;
    }

    int pages() {
        return virtual ? pages : physicalPages();
    }

    int highWaterPages() {
        return virtual ? highWaterPages : physicalPages();
    }

    /** The size GraalWasm's memory really has. */
    int physicalPages() {
        return (int) (live().getBufferSize() / MemoryLimits.PAGE_SIZE);
    }

    private Value live() {
        if (memory == null) {
            throw new GuestTrapException(
                    Trap.HOST,
                    "engine graalwasm: guest memory is not accessible to the host yet (a host"
                            + " function called from the start function during instantiation)");
        }
        return memory;
    }

    @Override
    public long byteSize() {
        return virtual ? (long) pages * MemoryLimits.PAGE_SIZE : live().getBufferSize();
    }

    private Value check(long address, long length) {
        Value m = live();
        SegmentGuestMemory.checkBounds(address, length, byteSize());
        return m;
    }

    @Override
    public byte[] read(long address, int length) {
        Value m = check(address, length);
        byte[] out = new byte[length];
        if (length > 0) {
            m.readBuffer(address, out, 0, length);
        }
        return out;
    }

    @Override
    public void write(long address, byte[] data) {
        Value m = check(address, data.length);
        int i = 0;
        for (; i + 8 <= data.length; i += 8) {
            m.writeBufferLong(LE, address + i, (long) LONG_LE.get(data, i));
        }
        for (; i < data.length; i++) {
            m.writeBufferByte(address + i, data[i]);
        }
    }

    @Override
    public int readInt(long address) {
        return check(address, 4).readBufferInt(LE, address);
    }

    @Override
    public void writeInt(long address, int value) {
        check(address, 4).writeBufferInt(LE, address, value);
    }
}
