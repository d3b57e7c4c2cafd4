package dev.jshrew.storage.rocksdb;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The on-disk key encoding of every column family. Stateless; thread-safe.
 *
 * <pre>
 * versions:  u32be(len(key)) ‖ key ‖ u64be(height)  → value
 * blocks:    u64be(height) ‖ key                    → empty (layout 1: the value, which layout 2 reads from versions)
 *                                                      (layouts 1 and 2; layout 3 writes block-keys instead)
 * latest:    key                                    → u64be(height) ‖ value   (layout 2: the newest version)
 * block-keys: u64be(height)                         → (u32be(len(key)) ‖ key)* in unsigned key order (layout 3:
 *                                                      the keys the block wrote, one entry per block)
 * meta:      0x01                                   → u32be(layout version)
 *            0x02                                   → u64be(tip height)
 *            0x10 ‖ u64be(height)                   → block hash
 *            0x11 ‖ u64be(height)                   → state root
 *            0x20 ‖ utf8(name)                      → metadata value
 * </pre>
 *
 * <p>Why the length prefix in {@code versions}: with it, the first {@code 4 + len} bytes of an entry name exactly
 * one guest key, so all versions of a key are contiguous and sorted by height, and no other key's versions can sit
 * between them. Without it, {@code "a" ‖ u64be(h)} and {@code "a\0" ‖ …} interleave and a backwards seek lands on
 * the wrong key. Heights are never negative, so big-endian {@code u64} sorts them numerically under RocksDB's
 * unsigned bytewise comparator.
 *
 * <p>Why {@code latest}: a read at a height at or above a key's newest version (every read of the indexer, which
 * reads at the tip, and of a view at the tip) is then one point lookup that a bloom filter answers for keys never
 * written, instead of a {@code seekForPrev} that must position an iterator in every sorted run of {@code versions}
 * (no filter can skip one: see {@link OpenedDb}). It holds exactly one entry per key that has a version.
 */
final class StoreKeys {
    static final int HEIGHT_BYTES = Long.BYTES;
    private static final int LENGTH_BYTES = Integer.BYTES;

    static final byte[] LAYOUT = {0x01};
    static final byte[] TIP = {0x02};
    static final byte HASH_TAG = 0x10;
    static final byte ROOT_TAG = 0x11;
    private static final byte META_TAG = 0x20;

    private StoreKeys() {}

    /** {@code u32be(len(key)) ‖ key}: the common prefix of every version of {@code key}. */
    static byte[] versionPrefix(byte[] key) {
        byte[] out = new byte[LENGTH_BYTES + key.length];
        putInt(out, 0, key.length);
        System.arraycopy(key, 0, out, LENGTH_BYTES, key.length);
        return out;
    }

    /** The version of {@code key} at {@code height}. */
    static byte[] version(byte[] key, long height) {
        byte[] out = new byte[LENGTH_BYTES + key.length + HEIGHT_BYTES];
        putInt(out, 0, key.length);
        System.arraycopy(key, 0, out, LENGTH_BYTES, key.length);
        putLong(out, LENGTH_BYTES + key.length, height);
        return out;
    }

    /** {@code prefix ‖ u64be(height)}, for a prefix from {@link #versionPrefix}. */
    static byte[] versionAt(byte[] prefix, long height) {
        byte[] out = Arrays.copyOf(prefix, prefix.length + HEIGHT_BYTES);
        putLong(out, prefix.length, height);
        return out;
    }

    /** The {@code latest} value of a version of {@code value} at {@code height}. */
    static byte[] latestValue(long height, byte[] value) {
        byte[] out = new byte[HEIGHT_BYTES + value.length];
        putLong(out, 0, height);
        System.arraycopy(value, 0, out, HEIGHT_BYTES, value.length);
        return out;
    }

    /** The height of a {@code latest} value. */
    static long latestHeight(byte[] latestValue) {
        if (latestValue.length < HEIGHT_BYTES) {
            throw new IllegalStateException("corrupt latest entry of " + latestValue.length + " bytes");
        }
        return getLong(latestValue, 0);
    }

    /** The guest value of a {@code latest} value. */
    static byte[] latestPayload(byte[] latestValue) {
        return Arrays.copyOfRange(latestValue, HEIGHT_BYTES, latestValue.length);
    }

    /** The guest key of a key of the versions family. */
    static byte[] versionKey(byte[] version) {
        int length = version.length < LENGTH_BYTES ? -1 : getInt(version, 0);
        if (length < 0 || version.length != LENGTH_BYTES + length + HEIGHT_BYTES) {
            throw new IllegalStateException("corrupt version key of " + version.length + " bytes");
        }
        return Arrays.copyOfRange(version, LENGTH_BYTES, LENGTH_BYTES + length);
    }

    /** The height of a key of the versions family. */
    static long versionHeight(byte[] version) {
        return getLong(version, version.length - HEIGHT_BYTES);
    }

    /** The {@code block-keys} value of a block that wrote {@code keys}: each key with its length, in their order. */
    static byte[] blockKeys(Iterable<byte[]> keys) {
        long size = 0;
        for (byte[] key : keys) {
            size += LENGTH_BYTES + key.length;
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("the keys of one block take more than 2 GiB");
        }
        byte[] out = new byte[(int) size];
        int at = 0;
        for (byte[] key : keys) {
            putInt(out, at, key.length);
            System.arraycopy(key, 0, out, at + LENGTH_BYTES, key.length);
            at += LENGTH_BYTES + key.length;
        }
        return out;
    }

    /**
     * The keys of a {@link #blockKeys} value, in their order.
     *
     * @throws IllegalStateException when the value is not one (a damaged store)
     */
    static List<byte[]> blockKeysOf(byte[] value) {
        List<byte[]> keys = new ArrayList<>();
        int at = 0;
        while (at < value.length) {
            int length = value.length - at < LENGTH_BYTES ? -1 : getInt(value, at);
            if (length < 0 || length > value.length - at - LENGTH_BYTES) {
                throw new IllegalStateException(
                        "corrupt block-keys entry of " + value.length + " bytes (at byte " + at + ")");
            }
            keys.add(Arrays.copyOfRange(value, at + LENGTH_BYTES, at + LENGTH_BYTES + length));
            at += LENGTH_BYTES + length;
        }
        return keys;
    }

    /** The height of a {@code block-keys} entry's key. */
    static long blockKeysHeight(byte[] entryKey) {
        if (entryKey.length != HEIGHT_BYTES) {
            throw new IllegalStateException("corrupt block-keys key of " + entryKey.length + " bytes");
        }
        return getLong(entryKey, 0);
    }

    /** The entry of {@code key} in the index of the block at {@code height}. */
    static byte[] blockEntry(long height, byte[] key) {
        byte[] out = new byte[HEIGHT_BYTES + key.length];
        putLong(out, 0, height);
        System.arraycopy(key, 0, out, HEIGHT_BYTES, key.length);
        return out;
    }

    /** The guest key of a block index entry. */
    static byte[] blockEntryKey(byte[] entry) {
        checkBlockEntry(entry);
        return Arrays.copyOfRange(entry, HEIGHT_BYTES, entry.length);
    }

    /** The version key that a block index entry stands for. */
    static byte[] versionOfBlockEntry(byte[] entry) {
        checkBlockEntry(entry);
        return version(blockEntryKey(entry), getLong(entry, 0));
    }

    static byte[] hash(long height) {
        return tagged(HASH_TAG, height);
    }

    static byte[] root(long height) {
        return tagged(ROOT_TAG, height);
    }

    /** The height of a {@link #hash} or {@link #root} key. */
    static long taggedHeight(byte[] taggedKey) {
        if (taggedKey.length != 1 + HEIGHT_BYTES) {
            throw new IllegalStateException("corrupt meta key of " + taggedKey.length + " bytes");
        }
        return getLong(taggedKey, 1);
    }

    static byte[] meta(String name) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[1 + utf8.length];
        out[0] = META_TAG;
        System.arraycopy(utf8, 0, out, 1, utf8.length);
        return out;
    }

    static byte[] u64(long value) {
        byte[] out = new byte[HEIGHT_BYTES];
        putLong(out, 0, value);
        return out;
    }

    static byte[] u32(int value) {
        byte[] out = new byte[LENGTH_BYTES];
        putInt(out, 0, value);
        return out;
    }

    static long getLong(byte[] bytes, int offset) {
        long v = 0;
        for (int i = 0; i < HEIGHT_BYTES; i++) {
            v = (v << 8) | (bytes[offset + i] & 0xFFL);
        }
        return v;
    }

    static int getInt(byte[] bytes, int offset) {
        int v = 0;
        for (int i = 0; i < LENGTH_BYTES; i++) {
            v = (v << 8) | (bytes[offset + i] & 0xFF);
        }
        return v;
    }

    private static byte[] tagged(byte tag, long height) {
        byte[] out = new byte[1 + HEIGHT_BYTES];
        out[0] = tag;
        putLong(out, 1, height);
        return out;
    }

    private static void checkBlockEntry(byte[] entry) {
        if (entry.length < HEIGHT_BYTES) {
            throw new IllegalStateException("corrupt block index entry of " + entry.length + " bytes");
        }
    }

    private static void putLong(byte[] out, int offset, long value) {
        for (int i = HEIGHT_BYTES - 1; i >= 0; i--) {
            out[offset + i] = (byte) value;
            value >>>= 8;
        }
    }

    private static void putInt(byte[] out, int offset, int value) {
        for (int i = LENGTH_BYTES - 1; i >= 0; i--) {
            out[offset + i] = (byte) value;
            value >>>= 8;
        }
    }
}
