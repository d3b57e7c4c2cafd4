package dev.jshrew.storage.rocksdb;

import static dev.jshrew.storage.rocksdb.TestData.block;
import static dev.jshrew.storage.rocksdb.TestData.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.Checkpointable;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.api.storage.StorageProvider.Access;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Checkpointable}: a consistent copy of an open store, from a writing store and from a read-only one. */
class CheckpointTest {
    @TempDir
    Path temp;

    private final RocksDbStorageProvider provider = new RocksDbStorageProvider();

    private KeyValueStore open(Path dir, Access access) {
        return provider.open(dir, Map.of(), access);
    }

    @Test
    void checkpointOfAWritingStoreHoldsEveryCommittedBlockAndNoLaterOne() {
        Path dir = temp.resolve("db");
        Path copy = temp.resolve("copy");
        try (KeyValueStore s = open(dir, Access.READ_WRITE)) {
            for (int h = 0; h < 4; h++) {
                s.commitBlock(block(h, "k", "v" + h));
            }
            ((Checkpointable) s).checkpointTo(copy);
            s.commitBlock(block(4, "k", "v4"));
        }
        try (KeyValueStore c = open(copy, Access.READ_ONLY)) {
            assertThat(c.tip()).hasValue(3);
            assertThat(read(c, "k", 3)).isEqualTo("v3");
            assertThat(read(c, "k", 9)).isEqualTo("v3");
            assertThat(c.stateRoot(3)).isPresent();
            assertThat(c.blockHash(4)).isEmpty();
        }
    }

    /** RocksDB checkpoints a read-only open without its WAL-only blocks, so a read-only store refuses. */
    @Test
    void readOnlyStoreRefusesAndWritesNothing() {
        Path dir = temp.resolve("db");
        Path copy = temp.resolve("copy");
        try (KeyValueStore writer = open(dir, Access.READ_WRITE)) {
            writer.commitBlock(block(0, "k", "v0"));
            try (KeyValueStore reader = open(dir, Access.READ_ONLY)) {
                assertThatThrownBy(() -> ((Checkpointable) reader).checkpointTo(copy))
                        .isInstanceOfSatisfying(
                                JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE))
                        .hasMessageContaining("read-only");
            }
        }
        assertThat(copy).doesNotExist();
    }

    @Test
    void existingTargetIsRefused() throws Exception {
        Path dir = temp.resolve("db");
        Path copy = Files.createDirectory(temp.resolve("copy"));
        try (KeyValueStore s = open(dir, Access.READ_WRITE)) {
            s.commitBlock(block(0, "k", "v"));
            assertThatThrownBy(() -> ((Checkpointable) s).checkpointTo(copy))
                    .isInstanceOfSatisfying(
                            JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE));
        }
    }
}
