package dev.jshrew.cli;

import static dev.jshrew.cli.CliTest.jshrew;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jshrew.api.ErrorCode;
import dev.jshrew.cli.CliTest.Run;
import dev.jshrew.host.CrashPoint;
import dev.jshrew.host.Hashes;
import dev.jshrew.storage.rocksdb.DirectorySnapshot;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rollback} (rockshrew-rollback's command: heights <= H stay, one batch, asks unless {@code --yes}, refused
 * while a node holds the database or when H is out of range, nothing written then) and {@code info} (read-only,
 * text and JSON, beside a running node).
 */
class RollbackInfoCliTest {
    @TempDir
    static Path shared;

    static Path built;

    @TempDir
    Path temp;

    @BeforeAll
    static void buildDatabase() {
        built = shared.resolve("db");
        Run r = ReadOnlyCliTest.index(built);
        assertThat(r.code()).as(r.err()).isZero();
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

    /** {@code jshrew ARGS} with {@code stdin} as its standard input. */
    private static Run withInput(String stdin, String... args) {
        InputStream old = System.in;
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            return jshrew(args);
        } finally {
            System.setIn(old);
        }
    }

    private static Run dump(Path db, long height) {
        return jshrew("dump", "--db", db.toString(), "--height", Long.toString(height));
    }

    private static JsonNode info(Path db) throws IOException {
        Run r = jshrew("info", "--db", db.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    private static String tipRecord(Path db) throws IOException {
        return Files.readString(db.resolve("JSHREW-TIP"), StandardCharsets.US_ASCII)
                .strip();
    }

    @Test
    void rollbackKeepsTheHeightsAtOrBelowHAndReindexingRestoresTheRest() throws Exception {
        Path db = copy();
        String dump83636 = dump(db, 83636).out();
        String dump840243 = dump(db, 840243).out();
        Run r = jshrew("rollback", "--db-path", db.toString(), "--height", "83636", "--yes");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("keeps every block at heights <= 83636")
                .contains("83637…840243")
                .contains("rolled back: tip 83636 (was 840243)");
        assertThat(dump(db, 83636).out()).isEqualTo(dump83636);
        Run gone = dump(db, 840243);
        assertThat(gone.code()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(info(db).get("tip").asLong()).isEqualTo(83636);
        assertThat(Long.parseLong(tipRecord(db))).isEqualTo(83636);
        // Below the first block's successor: only height 0 stays.
        Run deeper = jshrew("rollback", "--db", db.toString(), "--height", "5", "--yes");
        assertThat(deeper.code()).as(deeper.err()).isZero();
        assertThat(deeper.out()).contains("rolled back: tip 0 (was 83636)");
        assertThat(Long.parseLong(tipRecord(db))).isZero();
        Run again = ReadOnlyCliTest.index(db);
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(dump(db, 840243).out()).isEqualTo(dump840243);
        assertThat(Long.parseLong(tipRecord(db))).isEqualTo(840243);
    }

    @Test
    void rollbackAsksAndAnythingButYesChangesNothing() throws Exception {
        Path db = copy();
        Map<String, String> before = DirectorySnapshot.of(db);
        for (String answer : List.of("no\n", "", "y\n")) {
            Run r = withInput(answer, "rollback", "--db", db.toString(), "--height", "0");
            assertThat(r.code()).as(r.err()).isEqualTo(1);
            assertThat(r.out()).contains("Type 'yes' to continue").contains("aborted: nothing changed");
            assertThat(DirectorySnapshot.of(db)).isEqualTo(before);
        }
        Run yes = withInput("yes\n", "rollback", "--db", db.toString(), "--height", "0");
        assertThat(yes.code()).as(yes.err()).isZero();
        assertThat(info(db).get("tip").asLong()).isZero();
    }

    @Test
    void rollbackRefusesHeightsOutOfRangeAndWritesNothing() throws Exception {
        Path db = copy();
        Map<String, String> before = DirectorySnapshot.of(db);
        for (String h : List.of("840243", "900000", "-1")) {
            Run r = jshrew("rollback", "--db", db.toString(), "--height", h, "--yes");
            assertThat(r.code()).as(h + ": " + r.err()).isEqualTo(ErrorCode.INPUT.exitCode());
            assertThat(r.err()).contains("--height must be 0 <= H < the indexed tip 840243");
            assertThat(DirectorySnapshot.of(db)).isEqualTo(before);
        }
        Path missing = temp.resolve("missing");
        Run r = jshrew("rollback", "--db", missing.toString(), "--height", "0", "--yes");
        assertThat(r.code()).isEqualTo(ErrorCode.STORAGE.exitCode());
        assertThat(missing).doesNotExist();
    }

    @Test
    void infoPrintsTheDatabaseAndWritesNothing() throws Exception {
        Path db = copy();
        Map<String, String> before = DirectorySnapshot.of(db);
        String pin = Hashes.hex(Hashes.sha256(Files.readAllBytes(Path.of(CliTest.indexer()))));
        JsonNode json = info(db);
        assertThat(json.get("tip").asLong()).isEqualTo(840243);
        assertThat(json.get("blockHash").asText())
                .isEqualTo(dev.jshrew.tck.Fixtures.realBlocks().get(840243L).hash());
        assertThat(json.get("stateRoot").asText()).hasSize(64);
        assertThat(json.get("firstHeight").asLong()).isZero();
        assertThat(json.get("guestMemoryLimitPages").asInt()).isEqualTo(65536);
        assertThat(json.get("indexerHistory")).hasSize(1);
        assertThat(json.get("indexerHistory").get(0).get("height").asLong()).isZero();
        assertThat(json.get("indexerHistory").get(0).get("sha256").asText()).isEqualTo(pin);
        JsonNode size = json.get("sizeBytes");
        assertThat(size.get("total").asLong())
                .isPositive()
                .isEqualTo(size.get("sst").asLong()
                        + size.get("wal").asLong()
                        + size.get("other").asLong());
        Run text = jshrew("info", "--db-path", db.toString());
        assertThat(text.code()).as(text.err()).isZero();
        assertThat(text.out())
                .contains("tip           840243")
                .contains("state root    " + json.get("stateRoot").asText())
                .contains("indexer       from 0  sha256 " + pin)
                .contains("memory limit  65536 pages");
        assertThat(DirectorySnapshot.of(db)).isEqualTo(before);
    }

    /**
     * A node parked in the middle of a block holds the database: {@code info} reads beside it, {@code rollback} is
     * refused before it asks, naming the node's pid, and nothing changes.
     */
    @Test
    void besideARunningNodeInfoWorksAndRollbackIsRefused() throws Exception {
        Path db = copy();
        assertThat(jshrew("rollback", "--db", db.toString(), "--height", "0", "--yes")
                        .code())
                .isZero();
        List<String> args = new java.util.ArrayList<>(List.of(
                "index",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.indexer(),
                "--db",
                db.toString(),
                "--blocks",
                CliTest.repo().resolve("sample/blocks").toString(),
                "--memory-commit",
                "off"));
        try (ChildJshrew node =
                ChildJshrew.start(List.of("-D" + CrashPoint.PROPERTY + "=commit:83636"), args.toArray(String[]::new))) {
            node.awaitErr("jshrew-test: crash point commit\\:83636$", 120);
            JsonNode json = info(db);
            assertThat(json.get("tip").asLong()).isZero();
            Map<String, String> before = DirectorySnapshot.of(db);
            Run r = withInput("yes\n", "rollback", "--db", db.toString(), "--height", "0");
            assertThat(r.code()).as(r.err()).isEqualTo(ErrorCode.STORAGE.exitCode());
            assertThat(r.err()).contains("in use by process " + node.pid()).contains("stop the node first");
            assertThat(r.out()).doesNotContain("Type 'yes'");
            assertThat(DirectorySnapshot.of(db)).isEqualTo(before);
            assertThat(node.kill()).isEqualTo(137);
        }
    }
}
