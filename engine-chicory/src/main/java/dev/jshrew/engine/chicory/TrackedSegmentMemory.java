package dev.jshrew.engine.chicory;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A {@link SegmentMemory} that remembers which 4 KiB pages were written since the last {@link #zero()}, so that a
 * reset zeroes those and not the whole high-water mark: for instances of {@link
 * dev.jshrew.api.engine.InstanceOptions.Workload#VIEWS}, whose calls write little of what they reach. A view of a
 * Rust guest, whose 1 MiB stack comes first in its memory, writes a few pages of that stack; the reset zeroed the
 * whole megabyte before, most of a pooled view's cost.
 *
 * <p>Every write marks the page it starts in: the guest's stores of each width here, and its bulk instructions
 * ({@code memory.fill/copy/init}), data segments and the host's writes through {@link #written(long, long)}, which
 * marks every page they cover. A store of up to 8 bytes that starts near a page's end reaches at most 7 bytes into
 * the next page, so {@link #clear} zeroes each run of marked pages and the first {@value #SPILL_BYTES} bytes after
 * it. Memory no write marked is zero or holds an active data segment, which the reset applies again.
 *
 * <p>The mark costs every store: about a fifth more time for an indexer's block of our AssemblyScript build (JMH
 * {@code BlockBenchmark}), which is why an indexer's instances do not track.
 */
final class TrackedSegmentMemory extends SegmentMemory {
    /** log2 of a tracked page: 4 KiB, the host's page. */
    static final int PAGE_SHIFT = 12;
    /** What {@link #clear} zeroes past a run of written pages: the reach of a scalar store into the next page. */
    static final int SPILL_BYTES = 8;

    /** One entry per 4 KiB page: non-zero when written since the last {@link #zero()}. */
    private final byte[] written;

    /** As {@link SegmentMemory#SegmentMemory}. */
    TrackedSegmentMemory(MemorySegment segment, int initialPages, int limitPages, int budgetPages) {
        super(segment, initialPages, limitPages, budgetPages);
        this.written = new byte[(int) (((long) backedPages() * PAGE_SIZE) >>> PAGE_SHIFT)];
    }

    private void mark(int addr) {
        written[(int) (Integer.toUnsignedLong(addr) >>> PAGE_SHIFT)] = 1;
    }

    @Override
    void written(long address, long length) {
        if (length > 0) {
            Arrays.fill(
                    written, (int) (address >>> PAGE_SHIFT), (int) ((address + length - 1) >>> PAGE_SHIFT) + 1, (byte)
                            1);
        }
    }

    @Override
    long clear(long highWater) {
        // No write reaches past the high-water mark: every one is checked against the size.
        int tracked = (int) (highWater >>> PAGE_SHIFT);
        long cleared = 0;
        int p = 0;
        while (p < tracked) {
            if (written[p] == 0) {
                p++;
                continue;
            }
            int run = p;
            while (p < tracked && written[p] != 0) {
                written[p++] = 0;
            }
            long from = (long) run << PAGE_SHIFT;
            long to = Math.min(((long) p << PAGE_SHIFT) + SPILL_BYTES, highWater);
            segment().asSlice(from, to - from).fill((byte) 0);
            cleared += to - from;
        }
        return cleared;
    }

    // The stores mark after the write: one that traps wrote nothing.

    @Override
    public void writeByte(int addr, byte data) {
        super.writeByte(addr, data);
        mark(addr);
    }

    @Override
    public void writeShort(int addr, short data) {
        super.writeShort(addr, data);
        mark(addr);
    }

    @Override
    public void writeI32(int addr, int data) {
        super.writeI32(addr, data);
        mark(addr);
    }

    @Override
    public void writeLong(int addr, long data) {
        super.writeLong(addr, data);
        mark(addr);
    }

    @Override
    public void writeF32(int addr, float data) {
        super.writeF32(addr, data);
        mark(addr);
    }

    @Override
    public void writeF64(int addr, double data) {
        super.writeF64(addr, data);
        mark(addr);
    }
}
