package dev.jshrew.api.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The keys a {@link HostFunction.ValueLength} may find, as a Bloom filter of a fixed size: a key it does not hold is
 * surely absent, so its length is 0 and its companion writes nothing. An engine whose host calls are dear may answer
 * such a key in guest code ({@link HostFunction.ValueLength#keyFilter()}); a key the filter holds, or may hold, goes
 * to the host as before. The host keeps every key that has a value added (it never removes one: a rollback leaves
 * false positives only), and switches the filter off ({@link #setActive}) for a call whose reads can see that call's
 * own writes; it is off too while it is still being filled ({@link #incomplete()}).
 *
 * <p>The layout an engine's guest-side test reproduces, in a copy made by {@link #copyTo}: a little-endian
 * {@code i64} at offset 0 that is 0 when the filter is off (every key may be present), the word mask ({@code
 * words() - 1}) as an {@code i64} at offset 8, then the words, little-endian {@code i64}s from offset 16. A key with
 * hash {@code h = }{@link #hash} lies in word {@code (int) (h >>> 32) & mask} and sets bits {@code h & 63}, {@code
 * (h >>> 6) & 63} and {@code (h >>> 12) & 63} of it ({@link #bits}): one cache line per test, three bits per key.
 *
 * <p>Thread-safe: the indexing thread adds, instances copy.
 */
public final class KeyFilter implements GuestCopySource {
    /** Bytes before the words in a copy: the active flag and the word mask. */
    public static final int HEADER_BYTES = 16;
    /** The smallest filter: 1,024 words (8 KiB). */
    public static final int MIN_LOG2_WORDS = 10;
    /** The largest filter: 2^27 words (1 GiB). */
    public static final int MAX_LOG2_WORDS = 27;

    /** The hash's seed, and its multipliers for whole 8-byte chunks, for the tail's single bytes, and to finish. */
    public static final long SEED = 0x9E37_79B9_7F4A_7C15L,
            CHUNK = 0xBF58_476D_1CE4_E5B9L,
            TAIL = 0x94D0_49BB_1331_11EBL,
            FINISH_1 = 0xFF51_AFD7_ED55_8CCDL,
            FINISH_2 = 0xC4CE_B9FE_1A85_EC53L;

    private static final ValueLayout.OfLong LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** A key's 8-byte chunks, little-endian, read in place (no segment made per key). */
    private static final VarHandle CHUNKS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final long[] words;
    private boolean active = true;
    /** False while the host is still adding the keys it held when the filter was made (see {@link #complete()}). */
    private boolean complete = true;
    /** The indices of words changed since {@link #journalBase}, in order (duplicates allowed). */
    private int[] journal = new int[1024];

    private int journalSize;
    /** The generation of journal entry 0; a copy older than it is made whole again. */
    private long journalBase;

    /** An empty, active filter of {@code 2^log2Words} words. */
    public KeyFilter(int log2Words) {
        words = new long[1 << checkSize(log2Words)];
    }

    private static int checkSize(int log2Words) {
        if (log2Words < MIN_LOG2_WORDS || log2Words > MAX_LOG2_WORDS) {
            throw new IllegalArgumentException(
                    "a key filter has 2^" + MIN_LOG2_WORDS + " to 2^" + MAX_LOG2_WORDS + " words, not 2^" + log2Words);
        }
        return log2Words;
    }

    /** The hash of a key (see the class comment for how it places the key). */
    public static long hash(byte[] key) {
        int len = key.length;
        long h = SEED ^ Integer.toUnsignedLong(len);
        int i = 0;
        for (; len - i >= 8; i += 8) {
            h = (h ^ (long) CHUNKS.get(key, i)) * CHUNK;
            h ^= h >>> 31;
        }
        for (; i < len; i++) {
            h = (h ^ (key[i] & 0xFF)) * TAIL;
        }
        h ^= h >>> 33;
        h *= FINISH_1;
        h ^= h >>> 33;
        h *= FINISH_2;
        h ^= h >>> 33;
        return h;
    }

    /** The three bits of word {@link #wordIndex} that a key of hash {@code h} sets. */
    public static long bits(long h) {
        return (1L << h) | (1L << (h >>> 6)) | (1L << (h >>> 12));
    }

    private int wordIndex(long h) {
        return (int) (h >>> 32) & (words.length - 1);
    }

    /** The number of words, a power of two. */
    public int words() {
        return words.length;
    }

    /** Bytes of a copy: {@link #HEADER_BYTES} and the words. */
    @Override
    public long copyBytes() {
        return HEADER_BYTES + 8L * words.length;
    }

    /** Adds a key. */
    public synchronized void add(byte[] key) {
        set(hash(key));
    }

    /**
     * Adds keys: the same as {@link #add} for each, but hashed before the filter is locked, and locked once (a block
     * adds tens of thousands).
     */
    public void addAll(Iterable<byte[]> keys) {
        long[] hashes = new long[64];
        int n = 0;
        for (byte[] key : keys) {
            if (n == hashes.length) {
                hashes = Arrays.copyOf(hashes, n * 2);
            }
            hashes[n++] = hash(key);
        }
        synchronized (this) {
            for (int j = 0; j < n; j++) {
                set(hashes[j]);
            }
        }
    }

    private void set(long h) {
        int i = wordIndex(h);
        long w = words[i] | bits(h);
        if (w != words[i]) {
            words[i] = w;
            if (journalSize == journal.length) {
                if (journal.length >= words.length / 4) { // copies that far behind copy everything
                    journalBase += journalSize;
                    journalSize = 0;
                } else {
                    journal = Arrays.copyOf(journal, journal.length * 2);
                }
            }
            journal[journalSize++] = i;
        }
    }

    /** Whether the key may be present (false: it is surely absent, or the filter is off: see {@link #isActive}). */
    public synchronized boolean mayContain(byte[] key) {
        long h = hash(key);
        long b = bits(h);
        return !(active && complete) || (words[wordIndex(h)] & b) == b;
    }

    /** Switches the filter on or off for the calls that follow (off: every key may be present). */
    public synchronized void setActive(boolean active) {
        this.active = active;
    }

    public synchronized boolean isActive() {
        return active;
    }

    /**
     * Marks the filter as still being filled: until {@link #complete()}, it is off whatever {@link #setActive} says,
     * so its owner can add the keys it already holds on another thread while keys written from now on are added as
     * they come.
     */
    public synchronized void incomplete() {
        complete = false;
    }

    /** Every key is in: the filter answers again (when active). */
    public synchronized void complete() {
        complete = true;
    }

    public synchronized boolean isComplete() {
        return complete;
    }

    /**
     * Brings a copy up to date: writes the header and the words changed since generation {@code since} (every word
     * when {@code since} is negative or too old), and returns the generation to pass next time.
     *
     * @param target at least {@link #copyBytes()} bytes, laid out as the class comment says
     */
    @Override
    public synchronized long copyTo(MemorySegment target, long since) {
        target.set(LE, 0, active && complete ? 1 : 0);
        target.set(LE, 8, words.length - 1L);
        long generation = journalBase + journalSize;
        if (since < journalBase || since > generation) {
            MemorySegment.copy(
                    MemorySegment.ofArray(words), ValueLayout.JAVA_LONG, 0, target, LE, HEADER_BYTES, words.length);
        } else {
            for (int j = (int) (since - journalBase); j < journalSize; j++) {
                int i = journal[j];
                target.set(LE, HEADER_BYTES + 8L * i, words[i]);
            }
        }
        // This copy is current: start the journal again (a copy further behind is then made whole).
        journalBase = generation;
        journalSize = 0;
        return generation;
    }
}
