package dev.jshrew.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Checks shared by the memory tests. */
final class MemoryAssertions {
    private static final long CHUNK = 1L << 20;
    private static final MemorySegment ZEROS = Arena.global().allocate(CHUNK);

    private MemoryAssertions() {}

    /** Every byte of {@code seg} is zero (compared a MiB at a time). */
    static void assertAllZero(MemorySegment seg) {
        for (long off = 0; off < seg.byteSize(); off += CHUNK) {
            long n = Math.min(CHUNK, seg.byteSize() - off);
            long at = MemorySegment.mismatch(seg, off, off + n, ZEROS, 0, n);
            assertThat(at).as("first non-zero byte at offset %d", off + at).isEqualTo(-1);
        }
    }

    static long mib(long bytes) {
        return bytes >> 20;
    }
}
