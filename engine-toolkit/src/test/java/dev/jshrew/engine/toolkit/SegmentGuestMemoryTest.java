package dev.jshrew.engine.toolkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.Trap;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bounds of the host's view: the guest-visible size, to the byte, never the (larger) segment behind it. */
class SegmentGuestMemoryTest {
    private static final long SIZE = 0x20000;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment segment = arena.allocate(SIZE + 4096);
    private final SegmentGuestMemory memory = new SegmentGuestMemory(() -> SIZE, () -> segment);

    @AfterEach
    void close() {
        arena.close();
    }

    static void assertTraps(Runnable access) {
        assertThatThrownBy(access::run)
                .isInstanceOfSatisfying(
                        GuestTrapException.class, e -> assertThat(e.trap()).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS));
    }

    @Test
    void accessesEndingExactlyAtTheGuestSizeWork() {
        memory.write(SIZE - 3, new byte[] {1, 2, 3});
        assertThat(memory.read(SIZE - 3, 3)).containsExactly(1, 2, 3);
        memory.writeInt(SIZE - 4, 0x01020304);
        assertThat(memory.readInt(SIZE - 4)).isEqualTo(0x01020304);
        assertThat(memory.read(SIZE, 0)).isEmpty();
        memory.write(SIZE, new byte[0]);
        assertThat(memory.byteSize()).isEqualTo(SIZE);
    }

    @Test
    void oneBytePastTheGuestSizeTrapsAndWritesNothing() {
        assertTraps(() -> memory.write(SIZE - 2, new byte[] {9, 9, 9}));
        assertTraps(() -> memory.read(SIZE - 2, 3));
        assertTraps(() -> memory.writeInt(SIZE - 3, -1));
        assertTraps(() -> memory.readInt(SIZE - 3));
        assertTraps(() -> memory.read(SIZE + 1, 0));
        assertTraps(() -> memory.write(-1, new byte[] {1}));
        assertTraps(() -> memory.read(0, -1));
        // the segment is larger than the guest's size: nothing may have reached it
        assertThat(segment.asSlice(SIZE - 2, 4096).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                .containsOnly(0);
    }
}
