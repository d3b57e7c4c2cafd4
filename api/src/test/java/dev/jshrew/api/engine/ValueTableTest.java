package dev.jshrew.api.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The value table's entries and the layout of its copy, which the guest-side lookup reads word for word: every field
 * is checked here against the class comment, the chunks against a key buffer built as a guest holds it.
 */
class ValueTableTest {
    private final ValueTable table = new ValueTable(ValueTable.MIN_LOG2_SLOTS);

    private static byte[] bytes(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private MemorySegment copy(long[] generation) {
        MemorySegment target = MemorySegment.ofArray(new byte[(int) table.copyBytes()]);
        generation[0] = table.copyTo(target, -1);
        return target;
    }

    private static ByteBuffer le(MemorySegment s) {
        return s.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void keepsKeysAndValuesThatFitAndNoOthers() {
        for (int kl : new int[] {4, 5, 7, 8, 9, 16, 17, 100, 128}) {
            for (int vl : new int[] {0, 1, 7, 8, 9, 64, 127, 128}) {
                ValueTable t = new ValueTable(ValueTable.MIN_LOG2_SLOTS);
                byte[] key = bytes(kl, kl), value = bytes(vl, 1000 + vl);
                t.put(key, value);
                assertArrayEquals(value, t.get(key), "key " + kl + ", value " + vl);
            }
        }
        for (int[] sizes : new int[][] {{3, 4}, {0, 4}, {129, 4}, {10, 129}}) {
            byte[] key = bytes(sizes[0], 1);
            table.put(key, bytes(sizes[1], 2));
            assertNull(table.get(key), "key " + sizes[0] + ", value " + sizes[1]);
        }
        assertThat(ValueTable.fits(4, 128)).isTrue();
        assertThat(ValueTable.fits(3, 0)).isFalse();
        assertThrows(IllegalArgumentException.class, () -> new ValueTable(ValueTable.MIN_LOG2_SLOTS - 1));
        assertThrows(IllegalArgumentException.class, () -> new ValueTable(ValueTable.MAX_LOG2_SLOTS + 1));
    }

    @Test
    void theCopyIsLaidOutAsDocumented() {
        long[] generation = {0};
        assertEquals(0, le(copy(generation)).getLong(0), "off until switched on");
        table.setActive(true);
        for (int kl : new int[] {4, 6, 8, 13, 64, 128}) {
            for (int vl : new int[] {0, 5, 8, 21, 128}) {
                byte[] key = bytes(kl, 31L * kl + vl), value = bytes(vl, 7L * vl + kl);
                table.put(key, value);
                ByteBuffer c = le(copy(generation));
                long epoch = c.getLong(0);
                assertThat(epoch).as("the epoch, when on").isPositive();
                assertEquals(table.slots() - 1, c.getLong(8), "the slot mask");
                long h = KeyFilter.hash(key);
                int at = ValueTable.HEADER_BYTES + ((int) h & (table.slots() - 1)) * ValueTable.SLOT_BYTES;
                assertEquals(h, c.getLong(at));
                assertEquals(epoch, c.getInt(at + 8));
                assertEquals(kl, c.getInt(at + 12));
                assertEquals(vl, c.getInt(at + 16));
                // the key's buffer as a guest holds it: its u32 length, then its bytes
                ByteBuffer buffer = ByteBuffer.allocate(4 + kl).order(ByteOrder.LITTLE_ENDIAN);
                buffer.putInt(kl).put(key);
                for (int j = 0; j < ValueTable.CHUNKS; j++) {
                    long expected = 8 * j < kl ? buffer.getLong(4 + Math.min(8 * j, kl - 8)) : 0;
                    assertEquals(expected, c.getLong(at + ValueTable.CHUNKS_OFFSET + 8 * j), "key chunk " + j);
                }
                ByteBuffer v = ByteBuffer.allocate(Math.max(8, vl)).order(ByteOrder.LITTLE_ENDIAN);
                v.put(value);
                for (int j = 0; j < ValueTable.CHUNKS; j++) {
                    long expected =
                            (8 * j < vl || (j == 0 && vl > 0)) ? v.getLong(Math.max(0, Math.min(8 * j, vl - 8))) : 0;
                    assertEquals(
                            expected,
                            c.getLong(at + ValueTable.CHUNKS_OFFSET + 8 * (ValueTable.CHUNKS + j)),
                            "value chunk " + j + " of " + vl);
                }
            }
        }
    }

    @Test
    void updatesAndRemovalsTouchOnlyTheKeysCurrentEntry() {
        byte[] held = bytes(40, 1), other = bytes(40, 2);
        table.put(held, bytes(3, 3));
        table.update(other, bytes(3, 4));
        assertNull(table.get(other), "an update adds no key");
        table.remove(other);
        assertArrayEquals(bytes(3, 3), table.get(held), "removing another key leaves it");
        table.update(held, bytes(9, 5));
        assertArrayEquals(bytes(9, 5), table.get(held));
        table.update(held, bytes(129, 6));
        assertNull(table.get(held), "a value that no longer fits drops the entry");
        table.put(held, bytes(3, 3));
        table.remove(held);
        assertNull(table.get(held));
        table.put(held, bytes(3, 3));
        table.clear();
        assertNull(table.get(held), "cleared");
        table.update(held, bytes(3, 7));
        assertNull(table.get(held), "an update after a clear adds nothing");
    }

    /** Copies kept up to date from the journal equal a whole copy, through clears and far-behind copies. */
    @Test
    void anIncrementalCopyEqualsAWholeOne() {
        Random random = new Random(9);
        MemorySegment kept = MemorySegment.ofArray(new byte[(int) table.copyBytes()]);
        long generation = -1;
        List<byte[]> keys = new ArrayList<>();
        for (int round = 0; round < 60; round++) {
            int changes = round % 10 == 9 ? 2000 : random.nextInt(50); // some rounds: more than the journal keeps
            for (int n = 0; n < changes; n++) {
                int op = random.nextInt(10);
                if (op < 6 || keys.isEmpty()) {
                    byte[] key = bytes(4 + random.nextInt(60), random.nextLong());
                    keys.add(key);
                    table.put(key, bytes(random.nextInt(130), random.nextLong()));
                } else if (op < 8) {
                    table.update(keys.get(random.nextInt(keys.size())), bytes(random.nextInt(130), random.nextLong()));
                } else if (op < 9) {
                    table.remove(keys.get(random.nextInt(keys.size())));
                } else if (random.nextInt(20) == 0) {
                    table.clear();
                }
            }
            table.setActive(round % 3 != 0);
            generation = table.copyTo(kept, generation);
            MemorySegment whole = MemorySegment.ofArray(new byte[(int) table.copyBytes()]);
            table.copyTo(whole, -1);
            assertEquals(-1, kept.mismatch(whole), "round " + round);
            generation = table.copyTo(kept, generation); // nothing changed: the same copy
            assertEquals(-1, kept.mismatch(whole), "round " + round + ", again");
        }
    }
}
