package dev.jshrew.storage.rocksdb;

import static dev.jshrew.storage.rocksdb.TestData.b;
import static dev.jshrew.storage.rocksdb.TestData.block;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.api.storage.StorageProvider;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Discovery, options, open failures and the store's lifecycle. */
class RocksDbStorageProviderTest {
    @TempDir
    Path dir;

    @Test
    void serviceLoaderFindsTheProvider() {
        List<StorageProvider> providers = ServiceLoader.load(StorageProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals("rocksdb"))
                .toList();
        assertThat(providers).singleElement().isInstanceOf(RocksDbStorageProvider.class);
    }

    @Test
    void moduleInfoProvidesWhatTheServicesFileLists() throws IOException, URISyntaxException {
        Path classes = Path.of(RocksDbStorageProvider.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        ModuleDescriptor descriptor;
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            descriptor = ModuleDescriptor.read(in);
        }
        Set<String> fromModule = descriptor.provides().stream()
                .filter(p -> p.service().equals(StorageProvider.class.getName()))
                .flatMap(p -> p.providers().stream())
                .collect(Collectors.toSet());
        Set<String> fromServices =
                Files.readAllLines(classes.resolve("META-INF/services/" + StorageProvider.class.getName())).stream()
                        .map(String::strip)
                        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                        .collect(Collectors.toSet());
        assertThat(descriptor.name()).isEqualTo("dev.jshrew.storage.rocksdb");
        assertThat(descriptor.exports()).isEmpty();
        assertThat(fromModule).isEqualTo(fromServices).containsExactly(RocksDbStorageProvider.class.getName());
    }

    @Test
    void acceptsEmptyAndKnownOptions() {
        new RocksDbStorageProvider().open(dir.resolve("a"), Map.of()).close();
        new RocksDbStorageProvider()
                .open(dir.resolve("b"), Map.of("block-cache-mb", "8", "write-buffer-mb", "4", "background-jobs", "1"))
                .close();
    }

    @Test
    void badOptionsAreInputErrors() {
        RocksDbStorageProvider provider = new RocksDbStorageProvider();
        assertThatThrownBy(() -> provider.open(dir, Map.of("block-cache", "8")))
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INPUT))
                .hasMessageContaining("block-cache");
        assertThatThrownBy(() -> provider.open(dir, Map.of("write-buffer-mb", "lots")))
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INPUT));
        assertThatThrownBy(() -> provider.open(dir, Map.of("background-jobs", "0")))
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INPUT));
        // Nothing was created for a rejected configuration.
        assertThat(dir.resolve("CURRENT")).doesNotExist();
    }

    @Test
    void secondOpenOfTheSameDirectoryIsAStorageErrorNamingDirectoryAndStatus() {
        try (KeyValueStore first = TestData.open(dir)) {
            assertThatThrownBy(() -> TestData.open(dir))
                    .isInstanceOfSatisfying(JshrewException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.STORAGE);
                        assertThat(e.getCause()).isInstanceOf(org.rocksdb.RocksDBException.class);
                    })
                    .hasMessageContaining(dir.toString())
                    .hasMessageContaining("IOError");
            first.commitBlock(block(1, "k", "still usable"));
        }
    }

    @Test
    void directoryThatIsAFileIsAStorageError() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "not a directory");
        assertThatThrownBy(() -> TestData.open(file))
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE))
                .hasMessageContaining(file.toString());
    }

    @Test
    void closeIsIdempotentAndLaterCallsFail() {
        KeyValueStore store = TestData.open(dir);
        store.commitBlock(block(1, "k", "v"));
        store.close();
        store.close();

        assertThatThrownBy(() -> store.get(b("k"), 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(store::tip).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.commitBlock(block(2))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.rollbackTo(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.blockWrites(1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.meta("m")).isInstanceOf(IllegalStateException.class);
        // The directory lock is released.
        try (KeyValueStore again = TestData.open(dir)) {
            assertThat(again.tip()).hasValue(1);
        }
    }

    @Test
    @Timeout(20)
    void closeWhileReadersRunNeverCrashes() throws InterruptedException {
        KeyValueStore store = TestData.open(dir);
        store.commitBlock(block(1, "k", "v"));
        CountDownLatch started = new CountDownLatch(2);
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        List<Thread> readers = List.of(reader(store, started, unexpected), reader(store, started, unexpected));
        started.await();
        store.close();
        for (Thread reader : readers) {
            reader.join();
        }
        assertThat(unexpected.get()).isNull();
    }

    private static Thread reader(KeyValueStore store, CountDownLatch started, AtomicReference<Throwable> unexpected) {
        return Thread.ofPlatform().start(() -> {
            started.countDown();
            try {
                while (true) {
                    if (!"v".equals(TestData.s(store.get(b("k"), 1)))) {
                        unexpected.set(new AssertionError("wrong value"));
                        return;
                    }
                }
            } catch (IllegalStateException closed) {
                // expected once the store is closed
            } catch (RuntimeException | Error e) {
                unexpected.set(e);
            }
        });
    }
}
