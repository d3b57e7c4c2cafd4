package dev.jshrew.storage.rocksdb;

import dev.jshrew.api.storage.KeyValueStore;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Base of the tests that work on one store opened fresh in a temporary directory for each test. */
abstract class OpenStoreTest {
    @TempDir
    Path dir;

    KeyValueStore store;

    @BeforeEach
    void open() {
        store = TestData.open(dir);
    }

    @AfterEach
    void close() {
        store.close();
    }
}
