package dev.jshrew.host.abi;

import dev.jshrew.api.storage.BlockCommit;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The final value of every key one call flushed, found by hash while the block runs and the next block reads it, and
 * put in unsigned key order once, when the block is committed ({@link #sorted()}). A block writes tens of thousands
 * of keys: a tree kept in key order costs about twenty key comparisons, each a miss in memory, for every write and
 * for every read of a write, while a hash table costs one hash and one comparison, and sorting an array once is
 * cheaper than keeping a tree sorted.
 *
 * <p>Not thread-safe: written by the instance's thread; once a block is done its writes are only read, by the next
 * block's thread and the committer (after a hand-over that orders them).
 */
public final class BlockWrites {
    /** Keys sorted in {@link #sortRange} by a 5-byte digit packed above a 24-bit index into one {@code long}. */
    private static final int DIGIT_BYTES = 5;

    private static final int INDEX_BITS = 24;
    /** Ranges at most this long are sorted by comparing keys whole. */
    private static final int SMALL = 32;

    private static final Comparator<Write> KEY_ORDER = (a, b) -> Arrays.compareUnsigned(a.key, b.key);

    /** Every entry, mapped to itself: a lookup by a key's bytes finds the entry that holds its value. */
    private final HashMap<ByteKey, Write> entries = new HashMap<>();

    private NavigableMap<byte[], byte[]> sorted;

    /** Sets a key's value, replacing an earlier one. The arrays are kept, not copied. */
    public void put(byte[] key, byte[] value) {
        Write e = new Write(key, java.util.Objects.requireNonNull(value, "value"));
        Write old = entries.putIfAbsent(e, e);
        if (old != null) {
            old.value = value;
        }
        sorted = null;
    }

    /** The value written for a key, or null when the block wrote none. */
    public byte[] get(byte[] key) {
        Write e = entries.get(new ByteKey(key));
        return e == null ? null : e.value;
    }

    public int size() {
        return entries.size();
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /**
     * Calls {@code action} with every key written (with its hash, made once when it was written) and its value, in
     * no particular order.
     */
    public void forEach(java.util.function.BiConsumer<ByteKey, byte[]> action) {
        for (Write e : entries.values()) {
            action.accept(e, e.value);
        }
    }

    /** The keys written, in no particular order. */
    public Iterable<byte[]> keys() {
        return () -> new Iterator<>() {
            private final Iterator<Write> keys = entries.values().iterator();

            @Override
            public boolean hasNext() {
                return keys.hasNext();
            }

            @Override
            public byte[] next() {
                return keys.next().key;
            }
        };
    }

    /**
     * The writes in {@link BlockCommit#KEY_ORDER}, as a commit and a state root take them: sorted once, then kept
     * until the next {@link #put}. The map shares the key and value arrays; callers do not change it.
     */
    public NavigableMap<byte[], byte[]> sorted() {
        if (sorted == null) {
            Write[] all = entries.values().toArray(new Write[0]);
            sortRange(all, 0, all.length, 0);
            // TreeMap's constructor builds from a SortedMap in linear time (no comparisons, no rebalancing)
            sorted = new TreeMap<>(new SortedEntries(all));
        }
        return sorted;
    }

    /**
     * Sorts {@code a[from, to)}, whose keys share their first {@code depth} bytes, in unsigned key order: past the
     * prefix all of them share, by the next {@value #DIGIT_BYTES} bytes (zero-padded) as a primitive sort, then each
     * run of equal digits likewise further on. A block's keys share long prefixes (a family's name, a script's
     * type), which a comparison of whole keys reads again at every step; a sort of {@code long}s does not.
     */
    static void sortRange(Write[] a, int from, int to, int depth) {
        int n = to - from;
        if (n <= SMALL || n >= 1 << INDEX_BITS) {
            Arrays.sort(a, from, to, KEY_ORDER);
            return;
        }
        depth += sharedPrefix(a, from, to, depth);
        long[] packed = new long[n];
        for (int i = 0; i < n; i++) {
            // the sign bit flipped, so a signed sort orders the digits as unsigned
            packed[i] = (digit(a[from + i].key, depth) << INDEX_BITS | i) ^ Long.MIN_VALUE;
        }
        Arrays.sort(packed);
        Write[] order = new Write[n];
        for (int i = 0; i < n; i++) {
            order[i] = a[from + (int) (packed[i] & ((1 << INDEX_BITS) - 1))];
        }
        System.arraycopy(order, 0, a, from, n);
        for (int i = 0; i < n; ) {
            long d = packed[i] >>> INDEX_BITS;
            int j = i + 1;
            boolean longer = a[from + i].key.length >= depth + DIGIT_BYTES;
            while (j < n && packed[j] >>> INDEX_BITS == d) {
                longer &= a[from + j].key.length >= depth + DIGIT_BYTES;
                j++;
            }
            if (j - i > 1) {
                if (longer) {
                    sortRange(a, from + i, from + j, depth + DIGIT_BYTES);
                } else {
                    // a key that ends inside the digit ties with longer ones whose next bytes are zero
                    Arrays.sort(a, from + i, from + j, KEY_ORDER);
                }
            }
            i = j;
        }
    }

    /** How many bytes from {@code depth} on every key of {@code a[from, to)} shares. */
    private static int sharedPrefix(Write[] a, int from, int to, int depth) {
        byte[] first = a[from].key;
        int shared = Math.max(0, first.length - depth);
        for (int i = from + 1; i < to && shared > 0; i++) {
            byte[] k = a[i].key;
            int m = Arrays.mismatch(first, depth, depth + shared, k, depth, Math.min(k.length, depth + shared));
            if (m >= 0) {
                shared = m;
            } else {
                shared = Math.min(shared, k.length - depth);
            }
        }
        return shared;
    }

    /** The {@value #DIGIT_BYTES} bytes of {@code key} from {@code at}, zero-padded past its end, big-endian. */
    private static long digit(byte[] key, int at) {
        long d = 0;
        for (int i = at; i < at + DIGIT_BYTES; i++) {
            d = d << 8 | (i < key.length ? key[i] & 0xFF : 0);
        }
        return d;
    }

    /** A key and its latest value. */
    static final class Write extends ByteKey {
        byte[] value;

        Write(byte[] key, byte[] value) {
            super(key);
            this.value = value;
        }
    }

    /**
     * The sorted entries as a {@link SortedMap}, only to hand them to {@link TreeMap}'s linear-time constructor.
     */
    private static final class SortedEntries extends AbstractMap<byte[], byte[]> implements SortedMap<byte[], byte[]> {
        private final Write[] entries;

        SortedEntries(Write[] entries) {
            this.entries = entries;
        }

        @Override
        public Comparator<? super byte[]> comparator() {
            return BlockCommit.KEY_ORDER;
        }

        @Override
        public Set<Map.Entry<byte[], byte[]>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public int size() {
                    return entries.length;
                }

                @Override
                public Iterator<Map.Entry<byte[], byte[]>> iterator() {
                    return new Iterator<>() {
                        private int next;

                        @Override
                        public boolean hasNext() {
                            return next < entries.length;
                        }

                        @Override
                        public Map.Entry<byte[], byte[]> next() {
                            if (next >= entries.length) {
                                throw new NoSuchElementException();
                            }
                            Write e = entries[next++];
                            return new AbstractMap.SimpleImmutableEntry<>(e.key, e.value);
                        }
                    };
                }
            };
        }

        @Override
        public byte[] firstKey() {
            if (entries.length == 0) {
                throw new NoSuchElementException();
            }
            return entries[0].key;
        }

        @Override
        public byte[] lastKey() {
            if (entries.length == 0) {
                throw new NoSuchElementException();
            }
            return entries[entries.length - 1].key;
        }

        // Never called by the constructor; answered through a tree of the same mappings all the same.
        @Override
        public SortedMap<byte[], byte[]> subMap(byte[] fromKey, byte[] toKey) {
            return new TreeMap<>(this).subMap(fromKey, toKey);
        }

        @Override
        public SortedMap<byte[], byte[]> headMap(byte[] toKey) {
            return new TreeMap<>(this).headMap(toKey);
        }

        @Override
        public SortedMap<byte[], byte[]> tailMap(byte[] fromKey) {
            return new TreeMap<>(this).tailMap(fromKey);
        }
    }
}
