package dev.jshrew.engine.chicory;

import static com.dylibso.chicory.runtime.ConstantEvaluators.computeConstantValue;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.Trap;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A Chicory {@link Memory} over a reserved (and usually committed) native segment. It keeps the guest-visible
 * size itself: {@code memory.grow} only moves that size (the pages are already committed), every access is
 * checked against it (so an access beyond the guest's size traps exactly as on a fresh instance), and it
 * remembers the high-water mark so a reset zeroes only what the guest could have touched ({@link
 * TrackedSegmentMemory}, for views, zeroes only what it wrote).
 *
 * <p>Not thread-safe (no shared memories: jshrew guests are single-threaded).
 */
class SegmentMemory implements Memory {
    /** Pages Chicory can address: its addresses are Java {@code int}s. */
    static final int ENGINE_MAX_PAGES = Memory.RUNTIME_MAX_PAGES;

    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment segment;
    private final int initialPages;
    private final int limitPages;
    private final int backedPages;
    private final int budgetPages;
    private int pages;
    private long sizeBytes;
    private int highWaterPages;
    /** Bytes the last {@link #zero()} cleared. */
    private long zeroedBytes;

    private boolean zeroPending;
    private DataSegment[] dataSegments = new DataSegment[0];
    /** The instance's data segments as Chicory handed them over, before any was applied or dropped. */
    private DataSegment[] pristineSegments = dataSegments;

    /**
     * @param segment zeroed backing memory of at least {@code min(limitPages, ENGINE_MAX_PAGES)} pages
     * @param initialPages pages at instantiation
     * @param limitPages the guest's limit: {@code memory.grow} beyond it returns -1
     * @param budgetPages 0, or the instance's memory budget: a {@code memory.grow} past it (within the limit) traps
     *     with {@link Trap#MEMORY_BUDGET}
     */
    SegmentMemory(MemorySegment segment, int initialPages, int limitPages, int budgetPages) {
        this.segment = segment;
        this.budgetPages = budgetPages;
        this.initialPages = initialPages;
        this.limitPages = limitPages;
        this.backedPages = (int) Math.min(Math.min(limitPages, ENGINE_MAX_PAGES), segment.byteSize() / PAGE_SIZE);
        if (initialPages > backedPages) {
            throw new JshrewException(
                    ErrorCode.ENGINE_LIMIT,
                    "engine chicory cannot provide " + initialPages + " initial pages (at most " + backedPages + ")");
        }
        setPages(initialPages);
        this.highWaterPages = initialPages;
    }

    private void setPages(int n) {
        pages = n;
        sizeBytes = (long) n * PAGE_SIZE;
        if (n > highWaterPages) {
            highWaterPages = n;
        }
    }

    int highWaterPages() {
        return highWaterPages;
    }

    long byteSize() {
        return sizeBytes;
    }

    /** Bytes the last {@link #zero()} cleared. */
    long zeroedBytes() {
        return zeroedBytes;
    }

    /** Pages the segment backs: the most the guest can reach here. */
    int backedPages() {
        return backedPages;
    }

    /**
     * Told that {@code [address, address + length)} was written, in bounds, by a bulk instruction, a data segment or
     * the host (the instance's host view calls it). Nothing to do here: {@link #zero()} clears the high-water mark.
     */
    void written(long address, long length) {}

    /**
     * Back to the state a fresh instance starts from, before data segments: shrink to the initial size, and leave
     * the zeroing of every page the guest could have touched since the last reset to {@link #zero()}, which
     * Chicory's instantiation calls before it writes the data segments (zeroing here too cleared the initial pages a
     * second time). Costs in proportion to the high-water mark.
     */
    void resetToInitial() {
        setPages(initialPages);
        dataSegments = new DataSegment[0];
        zeroPending = true;
    }

    /**
     * Back to the state the same {@link Instance} had right after its instantiation's data segments, for a reset that
     * keeps the instance: shrink to the initial size, zero what the guest could have touched, give the instance's
     * segment array back every segment it had (undoing {@code data.drop}) and apply the active ones again. Costs in
     * proportion to the high-water mark plus the active segments' bytes.
     */
    void resetInPlace(Instance instance) {
        setPages(initialPages);
        zero();
        System.arraycopy(pristineSegments, 0, dataSegments, 0, dataSegments.length);
        initialize(instance, dataSegments);
    }

    /** Whether a {@link #resetToInitial()} still waits for its {@link #zero()}. */
    boolean zeroPending() {
        return zeroPending;
    }

    MemorySegment segment() {
        return segment;
    }

    // ---- size

    @Override
    public int pages() {
        return pages;
    }

    @Override
    public int grow(int delta) {
        int previous = pages;
        long target = (long) previous + Integer.toUnsignedLong(delta);
        if (target > limitPages) {
            return -1;
        }
        if (budgetPages > 0 && target > budgetPages) {
            throw new GuestTrapException(
                    Trap.MEMORY_BUDGET,
                    "engine chicory: memory.grow to " + target + " pages is past the instance's budget of "
                            + budgetPages + " pages");
        }
        if (target > backedPages) {
            // The guest is within its limit: another engine would grant this. Never answer -1 here.
            throw new JshrewException(
                    ErrorCode.ENGINE_LIMIT,
                    "engine chicory cannot provide more than " + ENGINE_MAX_PAGES + " pages (guest asked for " + target
                            + " of its " + limitPages + "-page limit); use wasmtime or graalwasm");
        }
        setPages((int) target);
        return previous;
    }

    @Override
    public int initialPages() {
        return initialPages;
    }

    /**
     * What Chicory may assume this memory can reach (import matching uses it); {@link #grow} enforces the guest limit.
     */
    @Override
    public int maximumPages() {
        return Math.min(limitPages, ENGINE_MAX_PAGES);
    }

    @Override
    public boolean shared() {
        return false;
    }

    // ---- segments

    @Override
    public void initialize(Instance instance, DataSegment[] segments) {
        initialize(instance, segments, 0);
    }

    @Override
    public void initialize(Instance instance, DataSegment[] segments, int memoryIndex) {
        // Keep the instance's own array: Chicory's data.drop updates it (Instance.dropDataSegment), and memory.init
        // must see that. Every instantiation gets a fresh array, so a reset never sees an earlier block's drops; a
        // reset in place restores the same array from its pristine copy (resetInPlace).
        DataSegment[] given = segments == null ? new DataSegment[0] : segments;
        if (given != dataSegments) {
            pristineSegments = given.clone();
        }
        this.dataSegments = given;
        for (int i = 0; i < dataSegments.length; i++) {
            DataSegment s = dataSegments[i];
            if (s instanceof ActiveDataSegment active && active.index() == memoryIndex) {
                long offset = computeConstantValue(instance, active.offsetInstructions())[0] & 0xFFFF_FFFFL;
                byte[] data = active.data();
                if (offset + data.length > sizeBytes) {
                    throw new UninstantiableException("out of bounds memory access: data segment at " + offset);
                }
                MemorySegment.copy(data, 0, segment, ValueLayout.JAVA_BYTE, offset, data.length);
                written(offset, data.length);
                // The spec drops an active segment once applied: a later memory.init of it (size > 0) traps, as it
                // does on wasmtime and GraalWasm. Chicory's own memories keep it; jshrew's engines must agree.
                dataSegments[i] = PassiveDataSegment.EMPTY;
            } else if (!(s instanceof ActiveDataSegment) && !(s instanceof PassiveDataSegment)) {
                throw new ChicoryException("data segment should be active or passive: " + s);
            }
        }
    }

    @Override
    public void initPassiveSegment(int segmentId, int dest, int offset, int size) {
        write(dest, dataSegments[segmentId].data(), offset, size);
    }

    @Override
    public void drop(int segmentId) {
        dataSegments[segmentId] = PassiveDataSegment.EMPTY;
    }

    // ---- bounds

    private long check(int addr, long length) {
        long a = Integer.toUnsignedLong(addr);
        if (addr < 0 || length < 0 || a + length > sizeBytes) {
            throw new WasmRuntimeException("out of bounds memory access: attempted to access address " + a + " size "
                    + length + " but memory size is " + sizeBytes);
        }
        return a;
    }

    // ---- bulk

    @Override
    public void write(int addr, byte[] data, int offset, int size) {
        if (offset < 0 || size < 0 || (long) offset + size > data.length) {
            throw new WasmRuntimeException("out of bounds memory access: source range " + offset + "+" + size);
        }
        long a = check(addr, size);
        MemorySegment.copy(data, offset, segment, ValueLayout.JAVA_BYTE, a, size);
        written(a, size);
    }

    @Override
    public byte[] readBytes(int addr, int len) {
        long a = check(addr, len);
        byte[] out = new byte[len];
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, a, out, 0, len);
        return out;
    }

    @Override
    public final void zero() {
        // Chicory calls this at every instantiation. Beyond the high-water mark the memory is already zero.
        zeroedBytes = clear((long) highWaterPages * PAGE_SIZE);
        highWaterPages = pages;
        zeroPending = false;
    }

    /** Zeroes whatever may be non-zero below {@code highWater}, and returns the bytes it cleared: here, all of them. */
    long clear(long highWater) {
        segment.asSlice(0, highWater).fill((byte) 0);
        return highWater;
    }

    @Override
    public void fill(byte value, int fromIndex, int toIndex) {
        long length = Integer.toUnsignedLong(toIndex) - Integer.toUnsignedLong(fromIndex);
        long a = check(fromIndex, length);
        segment.asSlice(a, length).fill(value);
        written(a, length);
    }

    @Override
    public void copy(int dest, int src, int size) {
        long length = Integer.toUnsignedLong(size);
        long d = check(dest, length);
        long s = check(src, length);
        MemorySegment.copy(segment, s, segment, d, length);
        written(d, length);
    }

    // ---- scalars

    @Override
    public byte read(int addr) {
        return segment.get(ValueLayout.JAVA_BYTE, check(addr, 1));
    }

    @Override
    public void writeByte(int addr, byte data) {
        segment.set(ValueLayout.JAVA_BYTE, check(addr, 1), data);
    }

    @Override
    public void writeShort(int addr, short data) {
        segment.set(SHORT, check(addr, 2), data);
    }

    @Override
    public short readShort(int addr) {
        return segment.get(SHORT, check(addr, 2));
    }

    @Override
    public long readU16(int addr) {
        return readShort(addr) & 0xFFFFL;
    }

    @Override
    public void writeI32(int addr, int data) {
        segment.set(INT, check(addr, 4), data);
    }

    @Override
    public int readInt(int addr) {
        return segment.get(INT, check(addr, 4));
    }

    @Override
    public void writeLong(int addr, long data) {
        segment.set(LONG, check(addr, 8), data);
    }

    @Override
    public long readLong(int addr) {
        return segment.get(LONG, check(addr, 8));
    }

    @Override
    public void writeF32(int addr, float data) {
        segment.set(INT, check(addr, 4), Float.floatToRawIntBits(data));
    }

    @Override
    public long readF32(int addr) {
        return readInt(addr) & 0xFFFF_FFFFL;
    }

    @Override
    public float readFloat(int addr) {
        return Float.intBitsToFloat(readInt(addr));
    }

    @Override
    public void writeF64(int addr, double data) {
        segment.set(LONG, check(addr, 8), Double.doubleToRawLongBits(data));
    }

    @Override
    public double readDouble(int addr) {
        return Double.longBitsToDouble(readLong(addr));
    }

    @Override
    public long readF64(int addr) {
        return readLong(addr);
    }

    // ---- threads (jshrew guests have no shared memory)

    @Override
    @SuppressWarnings("removal")
    public Object lock(int address) {
        return this;
    }

    @Override
    @SuppressWarnings("removal")
    public int waitOn(int address, int expected, long timeout) {
        throw new ChicoryException("atomic wait on a non-shared memory");
    }

    @Override
    @SuppressWarnings("removal")
    public int waitOn(int address, long expected, long timeout) {
        throw new ChicoryException("atomic wait on a non-shared memory");
    }

    @Override
    @SuppressWarnings("removal")
    public int notify(int address, int maxThreads) {
        return 0;
    }
}
