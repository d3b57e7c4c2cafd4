package dev.jshrew.storage.rocksdb;

import dev.jshrew.api.storage.BlockCommit;
import dev.jshrew.api.storage.KeyValueStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;

/** Small builders shared by the tests. */
final class TestData {
    private TestData() {}

    /** Latin-1 bytes, so "\0" and "\u00ff" become the single bytes 0x00 and 0xFF. */
    static byte[] b(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String s(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    static byte[] hashOf(long height) {
        return filled(0x48, height);
    }

    static byte[] rootOf(long height) {
        return filled(0x52, height);
    }

    private static byte[] filled(int tag, long height) {
        byte[] out = new byte[32];
        Arrays.fill(out, (byte) tag);
        for (int i = 0; i < 8; i++) {
            out[31 - i] = (byte) (height >>> (8 * i));
        }
        return out;
    }

    /** A block whose writes are the given key/value pairs (Latin-1 strings). */
    static BlockCommit block(long height, String... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("pairs expected");
        }
        NavigableMap<byte[], byte[]> writes = BlockCommit.newWriteMap();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            writes.put(b(keysAndValues[i]), b(keysAndValues[i + 1]));
        }
        return block(height, writes);
    }

    static BlockCommit block(long height, NavigableMap<byte[], byte[]> writes) {
        return new BlockCommit(height, writes, hashOf(height), rootOf(height));
    }

    static KeyValueStore open(Path directory) {
        return new RocksDbStorageProvider().open(directory, Map.of());
    }

    static String read(KeyValueStore store, String key, long height) {
        return s(store.get(b(key), height));
    }
}
