package dev.jshrew.memory;

import dev.jshrew.api.memory.CommitReport;
import dev.jshrew.api.memory.LinearMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A reservation made by {@link CommittedMemoryProvider}: one shared {@link Arena} whose only segment is the
 * mapping. Closing the arena runs the segment's cleanup action, which unmaps the region, and invalidates every
 * segment derived from it (access then throws {@link IllegalStateException}). Meant to be used by one owner;
 * {@link #close()} is idempotent and safe to call from any thread.
 */
final class CommittedLinearMemory implements LinearMemory {
    private final Arena arena;
    private final MemorySegment segment;
    private final CommitReport report;
    private final AtomicBoolean closed = new AtomicBoolean();

    CommittedLinearMemory(Arena arena, MemorySegment segment, CommitReport report) {
        this.arena = arena;
        this.segment = segment;
        this.report = report;
    }

    @Override
    public MemorySegment segment() {
        if (closed.get()) {
            throw new IllegalStateException("linear memory already closed");
        }
        return segment;
    }

    @Override
    public long reservedBytes() {
        return segment.byteSize();
    }

    @Override
    public CommitReport commitReport() {
        return report;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                arena.close(); // runs the munmap cleanup
            } catch (IllegalStateException e) {
                // e.g. the segment is still in use by a native call on another thread: leave it open and say so
                closed.set(false);
                throw e;
            }
        }
    }

    @Override
    public String toString() {
        return String.format(
                java.util.Locale.ROOT,
                "CommittedLinearMemory[%d MiB reserved at 0x%x, %s%s]",
                segment.byteSize() >> 20,
                segment.address(),
                report.strategy(),
                closed.get() ? ", closed" : "");
    }
}
