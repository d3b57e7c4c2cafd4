package dev.jshrew.storage.rocksdb;

import java.util.Arrays;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.WriteBatch;

/**
 * A RocksDB write batch of puts, built in Java in RocksDB's own serialized form and handed over in one crossing
 * ({@link WriteBatch#WriteBatch(byte[])}), instead of one JNI call per put.
 *
 * <p>A block's commit puts three entries per write (about 62,000 for a block of 20,000 writes). Each
 * {@link WriteBatch#put(ColumnFamilyHandle, byte[], byte[])} is a JNI call that pins and copies its two arrays; over
 * a real block's commit those calls cost about as much as RocksDB's own work on the batch outside its memtable
 * inserts (JMH {@code StoreCommitBenchmark}, see the module README).
 *
 * <p>The form is the one RocksDB writes to its WAL and replays from it, so it is stable across RocksDB versions
 * ({@code db/write_batch.cc}): a 12-byte header (a fixed64 sequence number, which RocksDB sets when it writes the
 * batch, and a fixed32 count, both little-endian), then one record per put: the type {@code kTypeValue} (1) for
 * the default column family, or {@code kTypeColumnFamilyValue} (5) followed by the family's id as a varint32; then
 * the key and the value, each as a varint32 length and its bytes. {@code BatchEncoderTest} checks the bytes against
 * {@link WriteBatch#data()} of the same puts made through RocksJava.
 *
 * <p>Not thread-safe; one encoder builds one batch.
 */
final class BatchEncoder {
    private static final int HEADER_BYTES = 12;
    private static final int COUNT_OFFSET = 8;
    private static final byte TYPE_VALUE = 0x1;
    private static final byte TYPE_COLUMN_FAMILY_VALUE = 0x5;
    private static final int MAX_VARINT32_BYTES = 5;

    private byte[] bytes;
    private int size = HEADER_BYTES;
    private int count;

    /** @param capacity the bytes to start with (a guess: the encoder grows as needed) */
    BatchEncoder(int capacity) {
        bytes = new byte[Math.max(HEADER_BYTES, capacity)];
    }

    /**
     * Adds a put of {@code value} under {@code key} in the column family {@code familyId}
     * ({@link ColumnFamilyHandle#getID()}, itself a JNI call: take it once per batch, not once per put).
     */
    void put(int familyId, byte[] key, byte[] value) {
        ensure(1 + MAX_VARINT32_BYTES * 3 + key.length + value.length);
        if (familyId == 0) {
            bytes[size++] = TYPE_VALUE;
        } else {
            bytes[size++] = TYPE_COLUMN_FAMILY_VALUE;
            varint32(familyId);
        }
        lengthPrefixed(key);
        lengthPrefixed(value);
        count++;
    }

    /** The puts added so far. */
    int count() {
        return count;
    }

    /** The serialized batch: pass it to {@link WriteBatch#WriteBatch(byte[])}. */
    byte[] toBytes() {
        byte[] out = Arrays.copyOf(bytes, size);
        for (int i = 0; i < Integer.BYTES; i++) {
            out[COUNT_OFFSET + i] = (byte) (count >>> (8 * i));
        }
        return out;
    }

    private void lengthPrefixed(byte[] data) {
        varint32(data.length);
        System.arraycopy(data, 0, bytes, size, data.length);
        size += data.length;
    }

    private void varint32(int value) {
        int rest = value;
        while ((rest & ~0x7f) != 0) {
            bytes[size++] = (byte) ((rest & 0x7f) | 0x80);
            rest >>>= 7;
        }
        bytes[size++] = (byte) rest;
    }

    private void ensure(int more) {
        long needed = (long) size + more;
        if (needed > bytes.length) {
            if (needed > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("a write batch of more than 2 GiB");
            }
            bytes = Arrays.copyOf(bytes, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(needed, 2L * bytes.length)));
        }
    }
}
