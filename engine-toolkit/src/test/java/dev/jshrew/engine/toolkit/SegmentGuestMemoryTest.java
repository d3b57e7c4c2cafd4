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

    @Test
    void theWritesObserverHearsOfEveryWriteThatHappened() {
        java.util.List<String> heard = new java.util.ArrayList<>();
        var observed = new SegmentGuestMemory(() -> SIZE, () -> segment, (a, n) -> heard.add(a + "+" + n));
        observed.write(4093, new byte[] {1, 2, 3, 4, 5});
        observed.writeInt(SIZE - 4, 7);
        observed.write(100, new byte[0]);
        observed.read(0, 16);
        observed.readInt(8);
        assertTraps(() -> observed.write(SIZE - 2, new byte[] {9, 9, 9}));
        assertTraps(() -> observed.writeInt(SIZE - 3, -1));
        assertThat(heard).containsExactly("4093+5", (SIZE - 4) + "+4");
    }
}
