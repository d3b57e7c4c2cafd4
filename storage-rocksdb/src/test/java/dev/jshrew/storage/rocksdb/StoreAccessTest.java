package dev.jshrew.storage.rocksdb;

import static dev.jshrew.storage.rocksdb.TestData.block;
import static dev.jshrew.storage.rocksdb.TestData.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.api.storage.StorageProvider.Access;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;

/**
 * Issue 12, class 1: a read-only open never creates, changes or deletes anything; a writing open creates a store
 * only in a missing or empty directory and refuses every other directory that is not a jshrew store, unchanged;
 * a tip that went back (lost WAL tail) is reported at the next writing open.
 */
class StoreAccessTest {
    @TempDir
    Path temp;

    private final RocksDbStorageProvider provider = new RocksDbStorageProvider();

    private KeyValueStore open(Path dir, Access access) {
        return provider.open(dir, Map.of(), access);
    }

    /** Opening {@code dir} fails with STORAGE in both modes, and leaves every file as it was. */
    private void refusedUnchanged(Path dir, String... messageParts) {
        for (Access access : Access.values()) {
            Map<String, String> before = DirectorySnapshot.of(dir);
            assertThatThrownBy(() -> open(dir, access).close())
                    .as(access.toString())
                    .isInstanceOfSatisfying(
                            JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE))
                    .hasMessageContaining(dir.toString())
                    .hasMessageContainingAll(messageParts);
            assertThat(DirectorySnapshot.of(dir)).as(access.toString()).isEqualTo(before);
        }
    }

    /** A store with blocks 0..4, the first three flushed to SST files by a reopen, the last two in the WAL. */
    private Path storeWithSstAndWal() {
        Path dir = temp.resolve("db");
        try (KeyValueStore s = open(dir, Access.READ_WRITE)) {
            for (int h = 0; h < 3; h++) {
                s.commitBlock(block(h, "k", "v" + h, "only" + h, "x"));
            }
        }
        // Reopening recovers the WAL into SST files.
        try (KeyValueStore s = open(dir, Access.READ_WRITE)) {
            for (int h = 3; h < 5; h++) {
                s.commitBlock(block(h, "k", "v" + h));
            }
        }
        assertThat(files(dir, ".sst")).isNotEmpty();
        assertThat(files(dir, ".log")).isNotEmpty();
        return dir;
    }

    private static List<Path> files(Path dir, String suffix) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void readOnlyOfAMissingDirectoryFailsAndCreatesNothing() {
        Path dir = temp.resolve("missing");
        assertThatThrownBy(() -> open(dir, Access.READ_ONLY))
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE))
                .hasMessageContaining("does not exist");
        assertThat(dir).doesNotExist();
        Path nested = temp.resolve("a/b/c");
        assertThatThrownBy(() -> open(nested, Access.READ_ONLY)).isInstanceOf(JshrewException.class);
        assertThat(temp.resolve("a")).doesNotExist();
    }

    @Test
    void readOnlyOfAnEmptyDirectoryFailsAndLeavesItEmpty() throws Exception {
        Path dir = Files.createDirectory(temp.resolve("empty"));
        Map<String, String> before = DirectorySnapshot.of(dir);
        assertThatThrownBy(() -> open(dir, Access.READ_ONLY))
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE))
                .hasMessageContaining("empty");
        assertThat(DirectorySnapshot.of(dir)).isEqualTo(before);
    }

    @Test
    void readOnlyOfAFileFails() throws Exception {
        Path file = Files.writeString(temp.resolve("file"), "x");
        refusedUnchanged(file, "not a directory");
    }

    @Test
    void writingCreatesInAMissingOrEmptyDirectory() throws Exception {
        Path missing = temp.resolve("new/db");
        Path empty = Files.createDirectory(temp.resolve("empty"));
        for (Path dir : List.of(missing, empty)) {
            try (KeyValueStore s = open(dir, Access.READ_WRITE)) {
                s.commitBlock(block(0, "k", "v"));
            }
            try (KeyValueStore s = open(dir, Access.READ_ONLY)) {
                assertThat(s.tip()).hasValue(0);
                assertThat(read(s, "k", 0)).isEqualTo("v");
            }
        }
    }

    @Test
    void readOnlyReadsEverythingAndChangesNothing() {
        Path dir = storeWithSstAndWal();
        Map<String, String> before = DirectorySnapshot.of(dir);
        for (int round = 0; round < 3; round++) {
            try (KeyValueStore s = open(dir, Access.READ_ONLY)) {
                assertThat(s.tip()).hasValue(4);
                assertThat(read(s, "k", 4)).isEqualTo("v4");
                assertThat(read(s, "k", 1)).isEqualTo("v1");
                assertThat(read(s, "only2", 4)).isEqualTo("x");
                assertThat(s.blockWrites(2)).hasSize(2);
                assertThat(s.blockHash(3)).isPresent();
                assertThatThrownBy(() -> s.commitBlock(block(5, "k", "v5"))).isInstanceOf(IllegalStateException.class);
                assertThatThrownBy(() -> s.rollbackTo(1)).isInstanceOf(IllegalStateException.class);
            }
        }
        assertThat(DirectorySnapshot.of(dir)).isEqualTo(before);
        assertThat(dir.resolve("LOG.old")).doesNotExist();
    }

    @Test
    void readOnlyWorksBesideAWriterThatHoldsTheLock() {
        Path dir = temp.resolve("db");
        try (KeyValueStore writer = open(dir, Access.READ_WRITE)) {
            for (int h = 0; h < 3; h++) {
                writer.commitBlock(block(h, "k", "v" + h));
            }
            // A second writer is refused (RocksDB's lock) ...
            assertThatThrownBy(() -> open(dir, Access.READ_WRITE)).isInstanceOf(JshrewException.class);
            // ... a reader opens and sees every committed block, including those only in the WAL.
            try (KeyValueStore reader = open(dir, Access.READ_ONLY)) {
                assertThat(reader.tip()).hasValue(2);
                assertThat(read(reader, "k", 2)).isEqualTo("v2");
                writer.commitBlock(block(3, "k", "v3"));
                assertThat(read(reader, "k", 1)).isEqualTo("v1");
            }
            try (KeyValueStore reader = open(dir, Access.READ_ONLY)) {
                assertThat(reader.tip()).hasValue(3);
            }
            writer.commitBlock(block(4, "k", "v4"));
        }
        try (KeyValueStore s = open(dir, Access.READ_WRITE)) {
            assertThat(s.tip()).hasValue(4);
        }
    }

    @Test
    void theIssuesCaseMissingCurrentAndWalIsRefusedAndNoSstIsDeleted() throws Exception {
        Path dir = storeWithSstAndWal();
        Files.delete(dir.resolve("CURRENT"));
        for (Path log : files(dir, ".log")) {
            Files.delete(log);
        }
        List<Path> sst = files(dir, ".sst");
        refusedUnchanged(dir, "CURRENT", "not a jshrew database");
        assertThat(files(dir, ".sst")).isEqualTo(sst);
    }

    @Test
    void missingCurrentAloneIsRefused() throws Exception {
        Path dir = storeWithSstAndWal();
        Files.delete(dir.resolve("CURRENT"));
        refusedUnchanged(dir, "CURRENT");
    }

    @Test
    void missingManifestIsRefused() throws Exception {
        Path dir = storeWithSstAndWal();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith("MANIFEST-"))
                    .toList()) {
                Files.delete(p);
            }
        }
        refusedUnchanged(dir, "MANIFEST");
    }

    @Test
    void corruptedCurrentIsRefused() throws Exception {
        for (String content : List.of("garbage\n", "", "MANIFEST-999999\n", "MANIFEST-000001")) {
            Path dir = storeWithSstAndWal();
            Files.writeString(dir.resolve("CURRENT"), content, StandardCharsets.US_ASCII);
            refusedUnchanged(dir, "CURRENT/MANIFEST");
            deleteTree(dir);
        }
    }

    @Test
    void corruptedManifestIsRefused() throws Exception {
        Path dir = storeWithSstAndWal();
        String manifest = Files.readString(dir.resolve("CURRENT"), StandardCharsets.US_ASCII)
                .strip();
        Files.write(dir.resolve(manifest), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        refusedUnchanged(dir, "CURRENT/MANIFEST");
    }

    @Test
    void aMissingOrTruncatedTableFileFailsAReaderAndChangesNothing() throws Exception {
        for (boolean truncate : new boolean[] {false, true}) {
            Path dir = storeWithSstAndWal();
            Path table = files(dir, ".sst").get(0);
            if (truncate) {
                Files.write(table, Arrays.copyOf(Files.readAllBytes(table), 100));
            } else {
                Files.delete(table);
            }
            Map<String, String> before = DirectorySnapshot.of(dir);
            assertThatThrownBy(() -> {
                        try (KeyValueStore s = open(dir, Access.READ_ONLY)) {
                            for (int h = 0; h < 5; h++) {
                                s.blockWrites(h);
                                read(s, "k", h);
                            }
                        }
                    })
                    .as(truncate ? "truncated" : "missing")
                    .isInstanceOfSatisfying(
                            JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE));
            assertThat(DirectorySnapshot.of(dir)).isEqualTo(before);
            deleteTree(dir);
        }
    }

    @Test
    void aForeignRocksDbIsRefused() throws Exception {
        NativeLibrary.load(temp);
        Path plain = temp.resolve("plain");
        try (org.rocksdb.Options options = new org.rocksdb.Options().setCreateIfMissing(true);
                RocksDB db = RocksDB.open(options, plain.toString())) {
            db.put("k".getBytes(StandardCharsets.US_ASCII), "v".getBytes(StandardCharsets.US_ASCII));
        }
        refusedUnchanged(plain, "not a jshrew database", "[default]");

        // The same names as jshrew's plus one more, and a subset of them: both refused.
        for (List<String> families : List.of(
                List.of("default", "versions", "blocks", "meta", "extra"), List.of("default", "versions", "meta"))) {
            Path dir = temp.resolve("families-" + families.size());
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            for (String f : families) {
                descriptors.add(new ColumnFamilyDescriptor(f.getBytes(StandardCharsets.US_ASCII)));
            }
            List<ColumnFamilyHandle> handles = new ArrayList<>();
            try (DBOptions options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
                    RocksDB db = RocksDB.open(options, dir.toString(), descriptors, handles)) {
                db.put(handles.get(0), "k".getBytes(StandardCharsets.US_ASCII), new byte[1]);
                handles.forEach(ColumnFamilyHandle::close);
            }
            refusedUnchanged(dir, "not a jshrew database");
        }
    }

    @Test
    void aNonEmptyFolderIsRefused() throws Exception {
        Path folder = Files.createDirectory(temp.resolve("folder"));
        Files.writeString(folder.resolve("notes.txt"), "my notes");
        Files.createDirectories(folder.resolve("sub/dir"));
        Files.write(folder.resolve("sub/dir/data.bin"), new byte[1000]);
        refusedUnchanged(folder, "not a jshrew database");

        Path onlyDirectory = Files.createDirectories(temp.resolve("only-subdir/x"));
        refusedUnchanged(onlyDirectory.getParent(), "not a jshrew database");

        Path tipOnly = Files.createDirectory(temp.resolve("tip-only"));
        Files.writeString(tipOnly.resolve(TipRecord.NAME), "00000000000000000012\n");
        refusedUnchanged(tipOnly, "not a jshrew database");
    }

    @Test
    void aStoreMadeBeforeTheTipRecordStillOpens() throws Exception {
        Path dir = storeWithSstAndWal();
        Files.delete(dir.resolve(TipRecord.NAME));
        try (KeyValueStore s = open(dir, Access.READ_ONLY)) {
            assertThat(s.tip()).hasValue(4);
        }
        assertThat(dir.resolve(TipRecord.NAME)).doesNotExist();
        try (KeyValueStore s = open(dir, Access.READ_WRITE)) {
            assertThat(s.tip()).hasValue(4);
        }
        assertThat(TipRecord.parse(dir.resolve(TipRecord.NAME))).hasValue(4);
        // An unreadable record counts as none, and is rewritten.
        Files.writeString(dir.resolve(TipRecord.NAME), "garbage");
        try (KeyValueStore s = open(dir, Access.READ_WRITE)) {
            assertThat(((RocksDbStore) s).tipWentBackFrom()).isEmpty();
        }
        assertThat(TipRecord.parse(dir.resolve(TipRecord.NAME))).hasValue(4);
    }

    @Test
    void aStoreWhoseCreationWroteNothingDurableIsCompletedByAWriterOnly() {
        Path dir = temp.resolve("db");
        // The column families exist, the layout version does not (as after a kill during the first open).
        OpenedDb raw = OpenedDb.open(dir, RocksDbSettings.DEFAULTS, false);
        raw.natives().releaseAfterFailedOpen(dir);
        Map<String, String> before = DirectorySnapshot.of(dir);
        assertThatThrownBy(() -> open(dir, Access.READ_ONLY))
                .isInstanceOf(JshrewException.class)
                .hasMessageContaining("no layout version");
        assertThat(DirectorySnapshot.of(dir)).isEqualTo(before);
        try (KeyValueStore s = open(dir, Access.READ_WRITE)) {
            assertThat(s.tip()).isEmpty();
            s.commitBlock(block(0, "k", "v"));
        }
        try (KeyValueStore s = open(dir, Access.READ_ONLY)) {
            assertThat(s.tip()).hasValue(0);
        }
    }

    @Test
    void aTipThatWentBackIsReportedOnceAtTheNextWritingOpen() throws Exception {
        Path dir = storeWithSstAndWal();
        assertThat(TipRecord.parse(dir.resolve(TipRecord.NAME))).hasValue(4);
        for (Path log : files(dir, ".log")) {
            Files.delete(log);
        }
        try (KeyValueStore s = open(dir, Access.READ_ONLY)) {
            assertThat(s.tip()).hasValue(2);
            assertThat(((RocksDbStore) s).tipWentBackFrom())
                    .as("a reader compares nothing")
                    .isEmpty();
        }
        assertThat(TipRecord.parse(dir.resolve(TipRecord.NAME))).hasValue(4);
        try (KeyValueStore s = open(dir, Access.READ_WRITE)) {
            assertThat(s.tip()).hasValue(2);
            assertThat(((RocksDbStore) s).tipWentBackFrom()).hasValue(4);
        }
        assertThat(TipRecord.parse(dir.resolve(TipRecord.NAME))).hasValue(2);
        try (KeyValueStore s = open(dir, Access.READ_WRITE)) {
            assertThat(((RocksDbStore) s).tipWentBackFrom()).as("reported once").isEmpty();
            s.commitBlock(block(3, "k", "again"));
        }
        assertThat(TipRecord.parse(dir.resolve(TipRecord.NAME))).hasValue(3);

        // A rollback lowers the tip on purpose: nothing to report afterwards.
        try (KeyValueStore s = open(dir, Access.READ_WRITE)) {
            s.rollbackTo(0);
        }
        assertThat(TipRecord.parse(dir.resolve(TipRecord.NAME))).hasValue(0);
        try (KeyValueStore s = open(dir, Access.READ_WRITE)) {
            assertThat(((RocksDbStore) s).tipWentBackFrom()).isEmpty();
            s.rollbackTo(-1);
        }
        assertThat(dir.resolve(TipRecord.NAME)).hasSize(TipRecord.WIDTH);
        assertThat(TipRecord.parse(dir.resolve(TipRecord.NAME))).isEmpty();
        try (KeyValueStore s = open(dir, Access.READ_WRITE)) {
            assertThat(((RocksDbStore) s).tipWentBackFrom()).isEmpty();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
