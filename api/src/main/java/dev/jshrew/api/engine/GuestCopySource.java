package dev.jshrew.api.engine;

import java.lang.foreign.MemorySegment;

/**
 * Host state an engine keeps a copy of next to guest code ({@link KeyFilter}, {@link ValueTable}): a little-endian
 * {@code i64} at offset 0 of a copy is 0 while the copy must not answer, and {@link #copyTo} brings a copy up to date
 * with what changed since the generation it returned last.
 */
public interface GuestCopySource {
    /** Bytes of a copy. */
    long copyBytes();

    /**
     * Brings a copy up to date: everything when {@code since} is negative or too old, else what changed since that
     * generation; returns the generation to pass next time.
     *
     * @param target at least {@link #copyBytes()} bytes
     */
    long copyTo(MemorySegment target, long since);
}
