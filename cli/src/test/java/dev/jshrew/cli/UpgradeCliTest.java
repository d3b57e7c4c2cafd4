package dev.jshrew.cli;

import static dev.jshrew.cli.CliTest.indexer;
import static dev.jshrew.cli.CliTest.jshrew;
import static dev.jshrew.cli.CliTest.repo;
import static dev.jshrew.cli.CliTest.u32hex;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jshrew.api.ErrorCode;
import dev.jshrew.cli.CliTest.Run;
import dev.jshrew.host.CrashPoint;
import dev.jshrew.host.Hashes;
import dev.jshrew.node.rpc.RpcClient;
import dev.jshrew.tck.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --upgrade-indexer-at H}: a changed indexer is refused without it; with it the database is rolled back to
 * H-1 and block H records (H, SHA-256) in the indexer history in its own commit; views answer on the module that
 * indexed their height; a rollback below H undoes the upgrade; a crash between the rollback and block H leaves the
 * old state, and the same command then completes the upgrade.
 */
class UpgradeCliTest {
    @TempDir
    static Path shared;

    static Path built;
    static Path newModule;
    static String oldSha;
    static String newSha;

    @TempDir
    Path temp;

    @BeforeAll
    static void buildDatabase() throws IOException {
        built = shared.resolve("db");
        Run r = ReadOnlyCliTest.index(built);
        assertThat(r.code()).as(r.err()).isZero();
        // The same code with a custom section appended: a valid module with another SHA-256, the same results.
        byte[] original = Files.readAllBytes(Path.of(indexer()));
        byte[] section = {0x00, 0x05, 0x04, 'n', 'e', 'x', 't'};
        byte[] other = java.util.Arrays.copyOf(original, original.length + section.length);
        System.arraycopy(section, 0, other, original.length, section.length);
        newModule = Files.write(shared.resolve("next.wasm"), other);
        oldSha = Hashes.hex(Hashes.sha256(original));
        newSha = Hashes.hex(Hashes.sha256(other));
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

    private static String[] indexArgs(Path db, String module, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "index",
                "--engine",
                "chicory",
                "--indexer",
                module,
                "--db",
                db.toString(),
                "--blocks",
                repo().resolve("sample/blocks").toString(),
                "--memory-commit",
                "off"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static Run index(Path db, String module, String... more) {
        return jshrew(indexArgs(db, module, more));
    }

    private static Run view(Path db, String module, long height) {
        return jshrew(
                "view",
                "--engine",
                "chicory",
                "--indexer",
                module,
                "--db",
                db.toString(),
                "--function",
                "blockhash",
                "--input",
                u32hex(height),
                "--height",
                Long.toString(height));
    }

    /** The effective indexer history, then the undone entries, as "HEIGHT SHA" strings. */
    private static List<List<String>> history(Path db) throws IOException {
        Run r = jshrew("info", "--db", db.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        List<List<String>> out = new ArrayList<>();
        for (String field : List.of("indexerHistory", "undoneUpgrades")) {
            List<String> entries = new ArrayList<>();
            json.get(field)
                    .forEach(e -> entries.add(
                            e.get("height").asLong() + " " + e.get("sha256").asText()));
            out.add(entries);
        }
        return out;
    }

    private static String dump(Path db, long height) {
        Run r = jshrew("dump", "--db", db.toString(), "--height", Long.toString(height));
        assertThat(r.code()).as(r.err()).isZero();
        return r.out();
    }

    @Test
    void aChangedIndexerIsRefusedNamingBothShasAndTheOption() throws Exception {
        Path db = copy();
        String dump840243 = dump(db, 840243);
        Run r = index(db, newModule.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(r.err()).contains(oldSha).contains(newSha).contains("--upgrade-indexer-at H");
        // A writer's open may flush the WAL into SST files; no block and no metadata changed.
        assertThat(dump(db, 840243)).isEqualTo(dump840243);
        assertThat(history(db)).containsExactly(List.of("0 " + oldSha), List.of());
    }

    @Test
    void anUpgradeRollsBackRecordsItsHeightWithBlockHAndViewsFollowTheHistory() throws Exception {
        Path db = copy();
        String dump83636 = dump(db, 83636);
        String dump840243 = dump(db, 840243);
        Run r = index(db, newModule.toString(), "--upgrade-indexer-at", "83636");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("rolling back from 840243 to 83635").contains("indexed 2 block(s)");
        assertThat(history(db)).containsExactly(List.of("0 " + oldSha, "83636 " + newSha), List.of());
        // The same code: the same writes at every height.
        assertThat(dump(db, 83636)).isEqualTo(dump83636);
        assertThat(dump(db, 840243)).isEqualTo(dump840243);
        // Views answer on the module that indexed their height, and refuse the other one clearly.
        var blocks = Fixtures.realBlocks();
        Run oldAt0 = view(db, indexer(), 0);
        assertThat(oldAt0.out().strip())
                .as(oldAt0.err())
                .isEqualTo(blocks.get(0L).hash());
        Run newAtH = view(db, newModule.toString(), 83636);
        assertThat(newAtH.out().strip())
                .as(newAtH.err())
                .isEqualTo(blocks.get(83636L).hash());
        for (Run refused : List.of(view(db, indexer(), 83636), view(db, newModule.toString(), 0))) {
            assertThat(refused.code()).as(refused.err()).isEqualTo(ErrorCode.INPUT.exitCode());
            assertThat(refused.err()).contains("a view runs on the module that indexed its height");
            assertThat(refused.out()).isEmpty();
        }
        // The same command again changes nothing; the old module is now the changed one.
        Run again = index(db, newModule.toString(), "--upgrade-indexer-at", "83636");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.err()).contains("nothing to upgrade").contains("indexed 0 block(s)");
        Run old = index(db, indexer());
        assertThat(old.code()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(old.err()).contains("since height 83636").contains(oldSha).contains(newSha);
        assertThat(history(db)).containsExactly(List.of("0 " + oldSha, "83636 " + newSha), List.of());
    }

    @Test
    void aRollbackBelowTheUpgradeUndoesIt() throws Exception {
        Path db = copy();
        assertThat(index(db, newModule.toString(), "--upgrade-indexer-at", "840243")
                        .code())
                .isZero();
        assertThat(history(db)).containsExactly(List.of("0 " + oldSha, "840243 " + newSha), List.of());
        Run rollback = jshrew("rollback", "--db", db.toString(), "--height", "83636", "--yes");
        assertThat(rollback.code()).as(rollback.err()).isZero();
        assertThat(rollback.out()).contains("undoes the indexer upgrade").contains(oldSha + " is pinned again");
        assertThat(history(db)).containsExactly(List.of("0 " + oldSha), List.of("840243 " + newSha));
        Run changed = index(db, newModule.toString());
        assertThat(changed.code()).isEqualTo(ErrorCode.INPUT.exitCode());
        // The old module indexes 840243 again; its commit drops the undone entry.
        Run old = index(db, indexer());
        assertThat(old.code()).as(old.err()).isZero();
        assertThat(history(db)).containsExactly(List.of("0 " + oldSha), List.of());
    }

    @Test
    void aBlockBelowTheUpgradeHeightIsRefused() throws Exception {
        Path db = copy();
        assertThat(jshrew("rollback", "--db", db.toString(), "--height", "0", "--yes")
                        .code())
                .isZero();
        Run r = index(db, newModule.toString(), "--upgrade-indexer-at", "840243");
        assertThat(r.code()).as(r.err()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(r.err())
                .contains("block 83636 is below --upgrade-indexer-at 840243")
                .contains(oldSha);
        assertThat(history(db)).containsExactly(List.of("0 " + oldSha), List.of());
    }

    /**
     * SIGKILL after the upgrade's rollback and before block H's commit: the database holds the old indexer's state
     * up to H-1 (the old module still opens it, the new one still needs the option), and the same command completes
     * the upgrade.
     */
    @Test
    void killedBetweenTheRollbackAndBlockHTheDatabaseIsTheOldStateThenTheUpgradeCompletes() throws Exception {
        for (String point : List.of("upgraded-rollback:83636", "commit:83636")) {
            Path db = copy();
            String[] args = indexArgs(db, newModule.toString(), "--upgrade-indexer-at", "83636");
            try (ChildJshrew child = ChildJshrew.start(List.of("-D" + CrashPoint.PROPERTY + "=" + point), args)) {
                child.awaitErr("jshrew-test: crash point " + point.replace(":", "\\:") + "$", 120);
                assertThat(child.kill()).isEqualTo(137);
            }
            assertThat(history(db)).as(point).containsExactly(List.of("0 " + oldSha), List.of());
            Run info = jshrew("info", "--db", db.toString());
            assertThat(info.out()).as(point).contains("tip           0\n");
            Run refused = index(db, newModule.toString());
            assertThat(refused.code()).as(point).isEqualTo(ErrorCode.INPUT.exitCode());
            Run resumed = jshrew(args);
            assertThat(resumed.code()).as(resumed.err()).isZero();
            assertThat(history(db)).as(point).containsExactly(List.of("0 " + oldSha, "83636 " + newSha), List.of());
        }
    }
    /** {@code serve --upgrade-indexer-at H}: views run on the new module from H on and refuse the heights below. */
    @Test
    void serveUpgradesAndItsViewsAnswerFromHOn() throws Exception {
        Path db = copy();
        try (ChildJshrew serve = ChildJshrew.start(
                List.of(),
                "serve",
                "--engine",
                "chicory",
                "--indexer",
                newModule.toString(),
                "--upgrade-indexer-at",
                "83636",
                "--db",
                db.toString(),
                "--blocks",
                repo().resolve("sample/blocks").toString(),
                "--port",
                "0",
                "--memory-commit",
                "64m",
                "--view-workers",
                "1",
                "--progress",
                "off")) {
            int port = Integer.parseInt(serve.awaitErr("serving JSON-RPC on http://127\\.0\\.0\\.1:(\\d+)", 60));
            serve.awaitErr("serving until stopped", 120);
            RpcClient rpc = new RpcClient(port);
            assertThat(rpc.result("metashrew_height")).isEqualTo("840243");
            assertThat(rpc.result("metashrew_view", "blockhash", u32hex(83636), "83636"))
                    .isEqualTo("0x" + Fixtures.realBlocks().get(83636L).hash());
            JsonNode below = rpc.call("metashrew_view", "blockhash", u32hex(0), "0");
            assertThat(below.has("error")).as(below.toString()).isTrue();
            assertThat(below.has("result")).isFalse();
            assertThat(serve.terminate()).isEqualTo(143);
            assertThat(serve.err()).contains("a view runs on the module that indexed its height");
        }
        assertThat(history(db)).containsExactly(List.of("0 " + oldSha, "83636 " + newSha), List.of());
    }
}
