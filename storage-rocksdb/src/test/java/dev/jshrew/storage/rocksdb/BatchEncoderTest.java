package dev.jshrew.storage.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The batch the store encodes in Java is, byte for byte, the one RocksJava's puts build, and RocksDB applies it:
 * the default family and others, lengths whose varint takes one to three bytes, empty keys and values, an encoder
 * that starts too small and grows.
 */
class BatchEncoderTest {
    private static final int FAMILIES = 4;

    @TempDir
    Path dir;

    private DBOptions options;
    private RocksDB db;
    private final List<ColumnFamilyHandle> families = new ArrayList<>();

    @BeforeEach
    void open() throws RocksDBException {
        NativeLibrary.load(dir);
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY));
        for (int i = 1; i < FAMILIES; i++) {
            descriptors.add(
                    new ColumnFamilyDescriptor(("family-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
        db = RocksDB.open(options, dir.resolve("db").toString(), descriptors, families);
        assertThat(families.getFirst().getID()).isZero();
    }

    @AfterEach
    void close() {
        families.forEach(ColumnFamilyHandle::close);
        db.close();
        options.close();
    }

    @Test
    void encodesTheBytesRocksJavasPutsBuild() throws RocksDBException {
        Random random = new Random(7);
        int[] lengths = {0, 1, 40, 127, 128, 300, 16_383, 16_384, 70_000};
        BatchEncoder encoder = new BatchEncoder(16);
        try (WriteBatch reference = new WriteBatch()) {
            for (int i = 0; i < 400; i++) {
                ColumnFamilyHandle family = families.get(random.nextInt(FAMILIES));
                byte[] key = bytes(random, i < 81 ? lengths[i / 9] : random.nextInt(64));
                byte[] value = bytes(random, i < 81 ? lengths[i % 9] : random.nextInt(200));
                encoder.put(family.getID(), key, value);
                reference.put(family, key, value);
            }
            assertThat(encoder.count()).isEqualTo(reference.count()).isEqualTo(400);
            assertThat(encoder.toBytes()).isEqualTo(reference.data());
        }
    }

    @Test
    void anEncodedBatchIsWrittenWhole() throws RocksDBException {
        Random random = new Random(11);
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        List<ColumnFamilyHandle> where = new ArrayList<>();
        BatchEncoder encoder = new BatchEncoder(0);
        for (int i = 0; i < 2_000; i++) {
            byte[] key = ("key-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] value = bytes(random, random.nextInt(300));
            ColumnFamilyHandle family = families.get(i % FAMILIES);
            encoder.put(family.getID(), key, value);
            keys.add(key);
            values.add(value);
            where.add(family);
        }
        try (WriteBatch batch = new WriteBatch(encoder.toBytes());
                WriteOptions sync = new WriteOptions().setSync(true)) {
            assertThat(batch.count()).isEqualTo(2_000);
            db.write(sync, batch);
        }
        for (int i = 0; i < keys.size(); i++) {
            assertThat(db.get(where.get(i), keys.get(i))).isEqualTo(values.get(i));
            assertThat(db.get(families.get((i + 1) % FAMILIES), keys.get(i))).isNull();
        }
    }

    private static byte[] bytes(Random random, int length) {
        byte[] out = new byte[length];
        random.nextBytes(out);
        return out;
    }
}
