package dev.jshrew.storage.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** RocksJava's extracted copy of the native library is gone from disk once a store is open, and stays mapped. */
@EnabledOnOs(OS.LINUX)
class NativeLibraryTest extends OpenStoreTest {
    @Test
    void theExtractedLibraryIsUnlinkedButStaysMapped() throws Exception {
        store.commitBlock(TestData.block(0, "k", "v"));
        var mapped = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(line -> line.contains("librocksdbjni"))
                .toList();
        // Surefire's JVM loads the library from the jar like the CLI does: a temporary copy, now unlinked.
        assertThat(mapped).isNotEmpty().allMatch(line -> line.endsWith(" (deleted)"), "mapped from an unlinked file");
        assertThat(NativeLibrary.extractedCopies()).isEmpty();
        assertThat(mapped.getFirst())
                .containsPattern(NativeLibrary.EXTRACTED.pattern().replace("\\.so", "\\.so \\(deleted\\)"));
        assertThat(TestData.s(store.get(TestData.b("k"), 0))).isEqualTo("v");
    }
}
