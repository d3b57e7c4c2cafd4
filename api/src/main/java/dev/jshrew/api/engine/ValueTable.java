package dev.jshrew.api.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Values of keys a {@link HostFunction.ValueLength} would find, kept where an engine can copy them next to guest code:
 * a key whose entry is current has exactly that value, so an engine whose host calls are dear may answer its length
 * and its companion in guest code ({@link HostFunction.ValueLength#valueTable()}). A key without a current entry goes
 * to the host as before. Its owner keeps the entries true of the state the reads see ({@link #update} with every
 * write, {@link #clear} whenever that state changes otherwise) and switches the table off ({@link #setActive}) for a
 * call whose reads it does not describe.
 *
 * <p>Direct-mapped: a key of hash {@code h = }{@link KeyFilter#hash} lies in slot {@code (int) h & mask} and only
 * there; a later key of the same slot replaces it. Keys of {@value #MIN_KEY_BYTES} to {@value #MAX_BYTES} bytes and
 * values of up to {@value #MAX_BYTES} bytes are kept, the others never.
 *
 * <p>The layout an engine's guest-side lookup reads, in a copy made by {@link #copyTo} (all little-endian): an
 * {@code i64} at offset 0 that is the current epoch when the table is on and 0 when it is off, the slot mask as an
 * {@code i64} at offset 8, then {@link #SLOT_BYTES} a slot from offset {@link #HEADER_BYTES}. A slot holds the key's
 * hash ({@code i64}, offset 0), the epoch it was written in ({@code i32}, offset 8; 0 for never), the key's length
 * ({@code i32}, 12), the value's length ({@code i32}, 16), then from offset {@link #CHUNKS_OFFSET} {@value #CHUNKS}
 * key chunks and {@value #CHUNKS} value chunks, {@code i64}s: key chunk {@code j} is the 8 bytes at {@code min(8j,
 * length - 8)} of the key's buffer as a metashrew guest holds it (counted from its first byte, so a key shorter than
 * 8 bytes reaches back into its {@code u32} length word), value chunk {@code j} the value's 8 bytes from {@code
 * min(8j, length - 8)} (below 8 bytes, the whole value from chunk 0's lowest byte). Chunks past a length are 0. An
 * entry is current when its slot's epoch equals the header's.
 *
 * <p>Confined to one thread (the indexing thread, which both changes the table and copies it before each call).
 */
public final class ValueTable implements GuestCopySource {
    /** Bytes before the slots in a copy: the epoch (0: off) and the slot mask. */
    public static final int HEADER_BYTES = 16;
    /** The longest key and the longest value kept. */
    public static final int MAX_BYTES = 128;
    /** The shortest key kept (a guest's kept key needs its length word's four bytes before it). */
    public static final int MIN_KEY_BYTES = 4;
    /** Chunks of a key, and of a value. */
    public static final int CHUNKS = MAX_BYTES / 8;
    /** Offset in a slot of key chunk 0; value chunk 0 follows the key's {@link #CHUNKS}. */
    public static final int CHUNKS_OFFSET = 24;
    /** Bytes of a slot. */
    public static final int SLOT_BYTES = CHUNKS_OFFSET + 16 * CHUNKS;
    /** The fewest slots: 2^10. */
    public static final int MIN_LOG2_SLOTS = 10;
    /** The most slots: 2^22 (about 1.1 GiB). */
    public static final int MAX_LOG2_SLOTS = 22;

    private static final int WORDS = SLOT_BYTES / 8;
    private static final ValueLayout.OfLong LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final long[] words;
    private final int mask;
    private int epoch = 1;
    private boolean active;
    /** The slots changed since {@link #journalBase}, in order (duplicates allowed). */
    private int[] journal = new int[1024];

    private int journalSize;
    private long journalBase;

    /** An empty table of {@code 2^log2Slots} slots, off. */
    public ValueTable(int log2Slots) {
        if (log2Slots < MIN_LOG2_SLOTS || log2Slots > MAX_LOG2_SLOTS) {
            throw new IllegalArgumentException(
                    "a value table has 2^" + MIN_LOG2_SLOTS + " to 2^" + MAX_LOG2_SLOTS + " slots, not 2^" + log2Slots);
        }
        words = new long[WORDS << log2Slots];
        mask = (1 << log2Slots) - 1;
    }

    /** The number of slots, a power of two. */
    public int slots() {
        return mask + 1;
    }

    /** Bytes of a copy: {@link #HEADER_BYTES} and the slots. */
    @Override
    public long copyBytes() {
        return HEADER_BYTES + (long) SLOT_BYTES * slots();
    }

    /** Whether a key of this length with a value of this length can be kept. */
    public static boolean fits(int keyLength, int valueLength) {
        return keyLength >= MIN_KEY_BYTES && keyLength <= MAX_BYTES && valueLength >= 0 && valueLength <= MAX_BYTES;
    }

    /** Keeps {@code value} as the key's value (replacing what its slot held); nothing when the sizes do not fit. */
    public void put(byte[] key, byte[] value) {
        if (!fits(key.length, value.length)) {
            return;
        }
        long h = KeyFilter.hash(key);
        write((int) h & mask, h, key, value);
    }

    private void write(int slot, long h, byte[] key, byte[] value) {
        int base = slot * WORDS;
        words[base] = h;
        words[base + 1] = tag(key.length);
        words[base + 2] = value.length;
        for (int j = 0; j < CHUNKS; j++) {
            words[base + 3 + j] = 8 * j < key.length ? keyChunk(key, j) : 0;
            words[base + 3 + CHUNKS + j] = 8 * j < value.length ? valueChunk(value, j) : 0;
        }
        changed(slot);
    }

    /**
     * The key now has {@code value}: a current entry of it takes the value (or is dropped when the value no longer
     * fits); a key without one is not added.
     */
    public void update(byte[] key, byte[] value) {
        int slot = currentSlot(key);
        if (slot < 0) {
            return;
        }
        if (value.length > MAX_BYTES) {
            drop(slot);
        } else {
            write(slot, words[slot * WORDS], key, value); // the slot's hash is the key's
        }
    }

    /** Drops the key's entry, if it has a current one. */
    public void remove(byte[] key) {
        int slot = currentSlot(key);
        if (slot >= 0) {
            drop(slot);
        }
    }

    /** The slot holding a current entry of the key, or -1. */
    private int currentSlot(byte[] key) {
        if (key.length < MIN_KEY_BYTES || key.length > MAX_BYTES) {
            return -1;
        }
        long h = KeyFilter.hash(key);
        int slot = (int) h & mask;
        return holds(slot, h, key) ? slot : -1;
    }

    private void drop(int slot) {
        words[slot * WORDS + 1] = 0; // epoch 0: never current
        changed(slot);
    }

    /** The key's current value, or null when the table has none (for tests and checks). */
    public byte[] get(byte[] key) {
        int slot = currentSlot(key);
        if (slot < 0) {
            return null;
        }
        int base = slot * WORDS;
        byte[] value = new byte[(int) words[base + 2]];
        if (value.length < 8) {
            long chunk = words[base + 3 + CHUNKS];
            for (int i = 0; i < value.length; i++) {
                value[i] = (byte) (chunk >>> (8 * i));
            }
            return value;
        }
        for (int j = 0; 8 * j < value.length; j++) {
            long chunk = words[base + 3 + CHUNKS + j];
            int at = Math.min(8 * j, value.length - 8);
            for (int i = 0; i < 8; i++) {
                value[at + i] = (byte) (chunk >>> (8 * i));
            }
        }
        return value;
    }

    private boolean holds(int slot, long h, byte[] key) {
        int base = slot * WORDS;
        if (words[base] != h || words[base + 1] != tag(key.length)) {
            return false;
        }
        for (int j = 0; 8 * j < key.length; j++) {
            if (words[base + 3 + j] != keyChunk(key, j)) {
                return false;
            }
        }
        return true;
    }

    /** A slot's second word: the current epoch, and the key's length above it. */
    private long tag(int keyLength) {
        return (epoch & 0xFFFF_FFFFL) | ((long) keyLength << 32);
    }

    /** Chunk {@code j} of the key's buffer: its 8 bytes from {@code min(8j, length - 8)}, length word before it. */
    private long keyChunk(byte[] key, int j) {
        int from = Math.min(8 * j, key.length - 8);
        long chunk = 0;
        for (int i = 0; i < 8; i++) {
            int at = from + i;
            int b = at >= 0 ? key[at] & 0xFF : (key.length >>> (8 * (at + 4))) & 0xFF;
            chunk |= (long) b << (8 * i);
        }
        return chunk;
    }

    /** Value chunk {@code j}: its 8 bytes from {@code min(8j, length - 8)}; below 8 bytes, the whole value. */
    private static long valueChunk(byte[] value, int j) {
        int from = value.length < 8 ? 0 : Math.min(8 * j, value.length - 8);
        int n = Math.min(8, value.length - from);
        long chunk = 0;
        for (int i = 0; i < n; i++) {
            chunk |= (long) (value[from + i] & 0xFF) << (8 * i);
        }
        return chunk;
    }

    /** Forgets every entry at once (a new epoch). */
    public void clear() {
        epoch = epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
        if (epoch == 1) { // wrapped: entries of an old epoch 1 must not come back
            Arrays.fill(words, 0);
            journalBase += journalSize + 1; // every copy is made whole again
            journalSize = 0;
        }
    }

    /** Switches the table on or off for the calls that follow (off: every key goes to the host). */
    public void setActive(boolean active) {
        this.active = active;
    }

    public boolean isActive() {
        return active;
    }

    private void changed(int slot) {
        if (journalSize == journal.length) {
            if (journal.length >= slots() / 4) { // copies that far behind copy everything
                journalBase += journalSize;
                journalSize = 0;
            } else {
                journal = Arrays.copyOf(journal, journal.length * 2);
            }
        }
        journal[journalSize++] = slot;
    }

    /**
     * Brings a copy up to date: writes the header and the slots changed since generation {@code since} (every slot
     * when {@code since} is negative or too old), and returns the generation to pass next time.
     *
     * @param target at least {@link #copyBytes()} bytes, laid out as the class comment says
     */
    @Override
    public long copyTo(MemorySegment target, long since) {
        target.set(LE, 0, active ? epoch : 0);
        target.set(LE, 8, mask);
        long generation = journalBase + journalSize;
        if (since < journalBase || since > generation) {
            MemorySegment.copy(
                    MemorySegment.ofArray(words), ValueLayout.JAVA_LONG, 0, target, LE, HEADER_BYTES, words.length);
        } else {
            MemorySegment from = MemorySegment.ofArray(words);
            for (int k = (int) (since - journalBase); k < journalSize; k++) {
                int slot = journal[k];
                MemorySegment.copy(
                        from,
                        ValueLayout.JAVA_LONG,
                        8L * slot * WORDS,
                        target,
                        LE,
                        HEADER_BYTES + (long) slot * SLOT_BYTES,
                        WORDS);
            }
        }
        journalBase = generation;
        journalSize = 0;
        return generation;
    }
}
