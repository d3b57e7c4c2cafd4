package dev.jshrew.cli;

import static dev.jshrew.cli.CliTest.indexer;
import static dev.jshrew.cli.CliTest.jshrew;
import static dev.jshrew.cli.CliTest.repo;
import static dev.jshrew.cli.CliTest.u32hex;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.cli.CliTest.Run;
import dev.jshrew.host.Storages;
import dev.jshrew.storage.rocksdb.DirectorySnapshot;
import dev.jshrew.tck.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/**
 * Issue 12, class 1, end to end: {@code dump}, {@code view} and {@code diff --db1/--db2} never create, change or
 * delete a file; a missing, empty, damaged or foreign directory is exit 17 for them, and {@code index} refuses every
 * non-empty directory that is not a jshrew database, unchanged; reads work while a writer holds the database;
 * {@code view} checks the indexer pin; a tip that went back is logged by the next {@code index}.
 */
class ReadOnlyCliTest {
    private static final int STORAGE = ErrorCode.STORAGE.exitCode();

    /** The sample indexed, then reopened once by {@code index}: blocks in SST files, the WAL holds no block. */
    @TempDir
    static Path shared;

    static Path built;

    @TempDir
    Path temp;

    static Run index(Path db, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "index",
                "--engine",
                "chicory",
                "--indexer",
                indexer(),
                "--db",
                db.toString(),
                "--blocks",
                repo().resolve("sample/blocks").toString(),
                "--memory-commit",
                "off"));
        args.addAll(List.of(more));
        return jshrew(args.toArray(String[]::new));
    }

    @BeforeAll
    static void buildDatabase() {
        built = shared.resolve("db");
        Run first = index(built);
        assertThat(first.code()).as(first.err()).isZero();
        Run again = index(built);
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(files(built, ".sst")).isNotEmpty();
    }

    private Path copy() throws IOException {
        Path target = temp.resolve("db-" + System.nanoTime());
        try (Stream<Path> s = Files.walk(built)) {
            for (Path p : s.toList()) {
                Files.copy(p, target.resolve(built.relativize(p).toString()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return target;
    }

    private static List<Path> files(Path dir, String suffix) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Run dump(Path db) {
        return jshrew("dump", "--db", db.toString(), "--height", "0");
    }

    private static Run view(Path db, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "view",
                "--engine",
                "chicory",
                "--indexer",
                indexer(),
                "--db",
                db.toString(),
                "--function",
                "blockhash",
                "--input",
                u32hex(83636)));
        args.addAll(List.of(more));
        return jshrew(args.toArray(String[]::new));
    }

    private static Run diff(Path db) {
        return jshrew("diff", "--db1", db.toString(), "--db2", db.toString());
    }

    /** Every read command exits 17 on {@code db} and leaves it exactly as it was; so does {@code index} if asked. */
    private static void readsRefusedUnchanged(Path db, boolean indexToo, String... messageParts) {
        Map<String, String> before = DirectorySnapshot.of(db);
        List<Run> runs = new ArrayList<>(List.of(dump(db), view(db), diff(db)));
        if (indexToo) {
            runs.add(index(db));
        }
        for (Run r : runs) {
            assertThat(r.code()).as(r.err()).isEqualTo(STORAGE);
            assertThat(r.err()).contains("jshrew: ").contains(messageParts);
            assertThat(DirectorySnapshot.of(db)).as(r.err()).isEqualTo(before);
        }
    }

    @Test
    void theIssuesCaseCurrentAndWalRemovedDeletesNothing() throws Exception {
        Path db = copy();
        Files.delete(db.resolve("CURRENT"));
        for (Path log : files(db, ".log")) {
            Files.delete(log);
        }
        List<Path> sst = files(db, ".sst");
        readsRefusedUnchanged(db, true, "CURRENT");
        assertThat(files(db, ".sst")).isEqualTo(sst).isNotEmpty();
    }

    @Test
    void aMissingDirectoryIsNotCreatedByAReader() {
        Path db = temp.resolve("missing/db");
        for (Run r : List.of(dump(db), view(db), diff(db))) {
            assertThat(r.code()).as(r.err()).isEqualTo(STORAGE);
            assertThat(r.err()).contains("does not exist");
            assertThat(temp.resolve("missing")).doesNotExist();
        }
    }

    @Test
    void anEmptyDirectoryStaysEmpty() throws Exception {
        readsRefusedUnchanged(Files.createDirectory(temp.resolve("empty")), false, "empty");
    }

    @Test
    void aMissingManifestIsStorage() throws Exception {
        Path db = copy();
        for (Path m : files(db, "")) {
            if (m.getFileName().toString().startsWith("MANIFEST-")) {
                Files.delete(m);
            }
        }
        readsRefusedUnchanged(db, true, "MANIFEST");
    }

    @Test
    void aDamagedCurrentIsStorage() throws Exception {
        for (String content : List.of("garbage\n", "", "MANIFEST-999999\n")) {
            Path db = copy();
            Files.writeString(db.resolve("CURRENT"), content, StandardCharsets.US_ASCII);
            readsRefusedUnchanged(db, true, "CURRENT/MANIFEST");
        }
    }

    @Test
    void aForeignRocksDbIsStorageForEveryCommand() throws Exception {
        Path foreign = temp.resolve("foreign");
        RocksDB.loadLibrary();
        try (Options options = new Options().setCreateIfMissing(true);
                RocksDB db = RocksDB.open(options, foreign.toString())) {
            db.put("key".getBytes(StandardCharsets.US_ASCII), "value".getBytes(StandardCharsets.US_ASCII));
        }
        readsRefusedUnchanged(foreign, true, "not a jshrew database");
    }

    @Test
    void anyOtherNonEmptyFolderIsStorageForEveryCommand() throws Exception {
        Path folder = Files.createDirectory(temp.resolve("folder"));
        Files.writeString(folder.resolve("README.txt"), "not a database");
        Files.createDirectories(folder.resolve("sub"));
        readsRefusedUnchanged(folder, true, "not a jshrew database");
    }

    @Test
    void readsChangeNothingInAGoodDatabase() throws Exception {
        Path db = copy();
        Map<String, String> before = DirectorySnapshot.of(db);
        Run dump = dump(db);
        assertThat(dump.code()).as(dump.err()).isZero();
        Run view = view(db);
        assertThat(view.code()).as(view.err()).isZero();
        assertThat(view.out().strip())
                .isEqualTo(Fixtures.realBlocks().get(83636L).hash());
        Run diff = diff(db);
        assertThat(diff.code()).as(diff.err()).isZero();
        assertThat(DirectorySnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void readsWorkWhileAWriterHoldsTheDatabase() throws Exception {
        Path db = copy();
        String expectedDump = dump(db).out();
        try (KeyValueStore writer = Storages.open(db)) {
            assertThat(writer.tip()).hasValue(840243);
            Run dump = dump(db);
            assertThat(dump.code()).as(dump.err()).isZero();
            assertThat(dump.out()).isEqualTo(expectedDump);
            Run view = view(db);
            assertThat(view.code()).as(view.err()).isZero();
            assertThat(view.out().strip())
                    .isEqualTo(Fixtures.realBlocks().get(83636L).hash());
            Run diff = diff(db);
            assertThat(diff.code()).as(diff.err()).isZero();
            // A second writer is still refused by RocksDB's lock.
            Run index = index(db);
            assertThat(index.code()).as(index.err()).isEqualTo(STORAGE);
        }
    }

    @Test
    void viewChecksTheIndexerPinAsIndexDoes() throws Exception {
        Path db = copy();
        // The same code with a custom section appended: a valid module with another SHA-256.
        byte[] original = Files.readAllBytes(Path.of(indexer()));
        byte[] section = {0x00, 0x05, 0x04, 't', 'e', 's', 't'};
        byte[] other = java.util.Arrays.copyOf(original, original.length + section.length);
        System.arraycopy(section, 0, other, original.length, section.length);
        Path otherModule = Files.write(temp.resolve("other.wasm"), other);
        Map<String, String> before = DirectorySnapshot.of(db);
        for (String command : List.of("view", "index")) {
            List<String> args = new ArrayList<>(List.of(
                    command, "--engine", "chicory", "--indexer", otherModule.toString(), "--db", db.toString()));
            args.addAll(
                    command.equals("index")
                            ? List.of(
                                    "--blocks", repo().resolve("sample/blocks").toString())
                            : List.of("--function", "blockhash", "--input", u32hex(83636)));
            args.addAll(List.of("--memory-commit", "off"));
            Run r = jshrew(args.toArray(String[]::new));
            assertThat(r.code()).as(command + ": " + r.err()).isEqualTo(ErrorCode.INPUT.exitCode());
            assertThat(r.err()).contains("another indexer module");
            assertThat(r.out()).isEmpty();
            if (command.equals("view")) {
                Run limit = view(db, "--guest-memory-limit", "1000");
                assertThat(limit.code()).as(limit.err()).isEqualTo(ErrorCode.INPUT.exitCode());
                assertThat(limit.err()).contains("guest memory limit");
                assertThat(limit.out()).isEmpty();
                assertThat(DirectorySnapshot.of(db)).isEqualTo(before);
            }
        }
        Run index = index(db, "--guest-memory-limit", "1000");
        assertThat(index.code()).as(index.err()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(index.err()).contains("guest memory limit");
    }

    @Test
    void indexCreatesOnlyInAMissingOrEmptyDirectory() throws Exception {
        Path missing = temp.resolve("new/db");
        Path empty = Files.createDirectory(temp.resolve("empty"));
        for (Path db : List.of(missing, empty)) {
            Run r = index(db, "--exit-at", "1");
            assertThat(r.code()).as(r.err()).isZero();
            Run dump = dump(db);
            assertThat(dump.code()).as(dump.err()).isZero();
        }
    }

    @Test
    void aTipThatWentBackIsLoggedByTheNextIndex() throws Exception {
        Path db = temp.resolve("db");
        Run first = index(db, "--exit-at", "800000");
        assertThat(first.code()).as(first.err()).isZero();
        // Reopening flushes 0 and 83636 into SST files; 840243 is then only in the WAL.
        Run second = index(db);
        assertThat(second.code()).as(second.err()).isZero();
        for (Path log : files(db, ".log")) {
            Files.delete(log);
        }
        Run third = index(db);
        assertThat(third.code()).as(third.err()).isZero();
        assertThat(third.err())
                .contains("WARNING")
                .contains("the tip went back from 840243 to 83636")
                .contains("indexed 1 block(s)");
        Run fourth = index(db);
        assertThat(fourth.err()).doesNotContain("went back");
        assertThat(dump(db).code()).isZero();
    }
}
