package dev.jshrew.api.memory;

import java.lang.foreign.MemorySegment;

/**
 * A reserved (and possibly committed) region of native memory backing one guest's linear memory.
 * Confined to its owner's thread; the owner closes it (idempotent), which unmaps the region: every segment
 * obtained from {@link #segment()} is invalid afterwards.
 */
public interface LinearMemory extends AutoCloseable {
    /** The whole reservation, zero-filled at creation. */
    MemorySegment segment();

    /** Size of the reservation in bytes. */
    long reservedBytes();

    /** What was committed at creation, with the measurement that verified it. */
    CommitReport commitReport();

    @Override
    void close();
}
