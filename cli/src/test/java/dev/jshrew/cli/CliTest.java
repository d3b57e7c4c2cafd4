package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.host.Hashes;
import dev.jshrew.tck.BlockStats;
import dev.jshrew.tck.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI end to end, in process: engines, index, dump, view, on the bundled sample and on bad input. */
class CliTest {
    @TempDir
    Path temp;

    record Run(int code, String out, String err) {}

    static Run jshrew(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static Path repo() {
        return Path.of(System.getProperty("jshrew.repo.dir", ".."));
    }

    static String indexer() {
        return repo().resolve("guests/spendables/spendables.wasm").toString();
    }

    static String u32hex(long v) {
        return HexFormat.of()
                .formatHex(ByteBuffer.allocate(4)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putInt((int) v)
                        .array());
    }

    @Test
    void enginesListsChicory() {
        Run r = jshrew("engines");
        assertThat(r.code()).isZero();
        assertThat(r.out().lines().toList())
                .anySatisfy(l -> assertThat(l)
                        .startsWith("chicory\t")
                        .contains("Chicory")
                        .contains("1."));
    }

    @Test
    void indexSampleDumpAndView() throws Exception {
        String db = temp.resolve("db").toString();
        Path sample = repo().resolve("sample/blocks");
        Run index = jshrew(
                "index",
                "--engine",
                "chicory",
                "--indexer",
                indexer(),
                "--db",
                db,
                "--blocks",
                sample.toString(),
                "--memory-commit",
                "64m");
        assertThat(index.code()).as(index.err()).isZero();
        assertThat(index.err()).contains("indexed 3 block(s)");

        // A rerun resumes: nothing left to index.
        Run again = jshrew(
                "index",
                "--engine",
                "chicory",
                "--indexer",
                indexer(),
                "--db",
                db,
                "--blocks",
                sample.toString(),
                "--memory-commit",
                "off");
        assertThat(again.code()).isZero();
        assertThat(again.err()).contains("indexed 0 block(s)");

        // The dump: sorted unique keys, and a digest recomputed here from the printed lines.
        Run dump = jshrew("dump", "--db", db, "--height", "840243");
        assertThat(dump.code()).isZero();
        List<String> lines = dump.out().lines().toList();
        String last = lines.get(lines.size() - 1);
        assertThat(last).matches("sha256 [0-9a-f]{64}");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        String previousKey = null;
        for (String line : lines.subList(0, lines.size() - 1)) {
            String[] kv = line.split(" ", -1);
            assertThat(kv).hasSize(2);
            if (previousKey != null) {
                assertThat(java.util.Arrays.compareUnsigned(
                                HexFormat.of().parseHex(previousKey),
                                HexFormat.of().parseHex(kv[0])))
                        .isNegative();
            }
            previousKey = kv[0];
            for (String part : kv) {
                byte[] bytes = HexFormat.of().parseHex(part);
                sha.update(ByteBuffer.allocate(4)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(bytes.length)
                        .array());
                sha.update(bytes);
            }
        }
        assertThat(last).isEqualTo("sha256 " + Hashes.hex(sha.digest()));

        var blocks = Fixtures.realBlocks();
        Run view = jshrew(
                "view",
                "--engine",
                "chicory",
                "--indexer",
                indexer(),
                "--db",
                db,
                "--function",
                "blockhash",
                "--input",
                "0x" + u32hex(83636),
                "--memory-commit",
                "off");
        assertThat(view.code()).as(view.err()).isZero();
        assertThat(view.out().strip()).isEqualTo(blocks.get(83636L).hash());
        Run stats = jshrew(
                "view",
                "--engine",
                "chicory",
                "--indexer",
                indexer(),
                "--db",
                db,
                "--function",
                "stats",
                "--input",
                u32hex(840243),
                "--height",
                "840243",
                "--memory-commit",
                "off");
        assertThat(stats.out().strip())
                .isEqualTo(HexFormat.of()
                        .formatHex(BlockStats.of(blocks.get(840243L).bytes()).encoded()));
    }

    @Test
    void exitAtStopsBelowTheHeight() {
        String db = temp.resolve("db").toString();
        Run r = jshrew(
                "index",
                "--engine",
                "chicory",
                "--indexer",
                indexer(),
                "--db",
                db,
                "--blocks",
                repo().resolve("sample/blocks").toString(),
                "--exit-at",
                "840243",
                "--memory-commit",
                "off",
                "--reset",
                "fresh");
        assertThat(r.code()).isZero();
        assertThat(jshrew("dump", "--db", db, "--height", "83636").code()).isZero();
        Run missing = jshrew("dump", "--db", db, "--height", "840243");
        assertThat(missing.code()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(missing.err().lines().filter(l -> l.startsWith("jshrew: ")).toList())
                .singleElement()
                .asString()
                .startsWith("jshrew: height 840243 is not indexed");
    }

    @Test
    void badBlockFileFailsCleanlyAndKeepsEarlierBlocks() throws Exception {
        Path blocks = Files.createDirectory(temp.resolve("blocks"));
        Files.copy(repo().resolve("sample/blocks/mainnet-000000.hex"), blocks.resolve("mainnet-000000.hex"));
        Files.writeString(blocks.resolve("mainnet-000001.hex"), "0xzz12");
        String db = temp.resolve("db").toString();
        Run r = jshrew(
                "index",
                "--engine",
                "chicory",
                "--indexer",
                indexer(),
                "--db",
                db,
                "--blocks",
                blocks.toString(),
                "--memory-commit",
                "off");
        assertThat(r.code()).isEqualTo(ErrorCode.INPUT.exitCode());
        String reason = r.err()
                .lines()
                .filter(l -> l.startsWith("jshrew: "))
                .findFirst()
                .orElseThrow();
        assertThat(reason).contains("mainnet-000001.hex").contains("height 1");
        assertThat(jshrew("dump", "--db", db, "--height", "0").code()).isZero();
    }

    @Test
    void truncatedBlockTrapsNamingEngineModuleAndHeight() throws Exception {
        Path blocks = Files.createDirectory(temp.resolve("blocks"));
        String hex = Files.readString(repo().resolve("sample/blocks/mainnet-083636.hex"))
                .strip();
        Files.copy(repo().resolve("sample/blocks/mainnet-000000.hex"), blocks.resolve("b-0.hex"));
        Files.writeString(blocks.resolve("b-83636.hex"), hex.substring(0, 400));
        String db = temp.resolve("db").toString();
        Run r = jshrew(
                "index",
                "--engine",
                "chicory",
                "--indexer",
                indexer(),
                "--db",
                db,
                "--blocks",
                blocks.toString(),
                "--memory-commit",
                "off");
        assertThat(r.code()).isEqualTo(ErrorCode.TRAP.exitCode());
        assertThat(r.err()).contains("jshrew: engine chicory, module spendables.wasm, height 83636: guest trapped");
        assertThat(jshrew("dump", "--db", db, "--height", "83636").code()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(jshrew("dump", "--db", db, "--height", "0").code()).isZero();
    }

    @Test
    void rawBlockFilesWorkLikeHex() throws Exception {
        Path blocks = Files.createDirectory(temp.resolve("raw"));
        byte[] genesis = HexFormat.of()
                .parseHex(Files.readString(repo().resolve("sample/blocks/mainnet-000000.hex"))
                        .strip());
        Files.write(blocks.resolve("genesis-0.bin"), genesis);
        String db = temp.resolve("db").toString();
        assertThat(jshrew(
                                "index",
                                "--engine",
                                "chicory",
                                "--indexer",
                                indexer(),
                                "--db",
                                db,
                                "--blocks",
                                blocks.toString(),
                                "--memory-commit",
                                "off")
                        .code())
                .isZero();
        Run view = jshrew(
                "view",
                "--engine",
                "chicory",
                "--indexer",
                indexer(),
                "--db",
                db,
                "--function",
                "blockhash",
                "--input",
                u32hex(0),
                "--memory-commit",
                "off");
        assertThat(view.out().strip()).isEqualTo(Fixtures.realBlocks().get(0L).hash());
    }

    @Test
    void malformedModuleAndUnknownEngine() throws Exception {
        Path bad = Files.writeString(temp.resolve("bad.wasm"), "nope");
        Run r = jshrew(
                "index",
                "--engine",
                "chicory",
                "--indexer",
                bad.toString(),
                "--db",
                temp.resolve("db").toString(),
                "--blocks",
                repo().resolve("sample/blocks").toString(),
                "--memory-commit",
                "off");
        assertThat(r.code()).isEqualTo(ErrorCode.MODULE_INVALID.exitCode());
        assertThat(r.err()).contains("engine chicory, module bad.wasm");
        Run none = jshrew(
                "index",
                "--engine",
                "nosuch",
                "--indexer",
                indexer(),
                "--db",
                temp.resolve("db2").toString(),
                "--blocks",
                repo().resolve("sample/blocks").toString());
        assertThat(none.code()).isEqualTo(ErrorCode.ENGINE_UNAVAILABLE.exitCode());
        assertThat(none.err()).contains("no engine named 'nosuch'").contains("chicory");
        Run badOption = jshrew(
                "index",
                "--engine",
                "chicory",
                "-E",
                "bogus=1",
                "--indexer",
                indexer(),
                "--db",
                temp.resolve("db3").toString(),
                "--blocks",
                repo().resolve("sample/blocks").toString());
        assertThat(badOption.code()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(badOption.err()).contains("bogus");
    }

    @Test
    void storageOptionsReachTheStoreAndBadOnesAreRefusedBeforeAnythingIsWritten() {
        Path db = temp.resolve("db");
        List<String> index = List.of(
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
                "16m");
        Run unknown = jshrew(concat(index, "--storage-option", "bogus-cache=1"));
        assertThat(unknown.code()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(unknown.err())
                .contains("unknown option storage.rocksdb.bogus-cache")
                .contains("block-cache-mb");
        Run outOfRange = jshrew(concat(index, "--storage-option", "block-cache-mb=0"));
        assertThat(outOfRange.code()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(outOfRange.err()).contains("block-cache-mb");
        assertThat(db).doesNotExist();

        Run ok = jshrew(concat(index, "--storage-option", "block-cache-mb=8", "--storage-option", "write-buffer-mb=4"));
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(jshrew("dump", "--db", db.toString(), "--height", "83636").code())
                .isZero();
    }

    private static String[] concat(List<String> head, String... tail) {
        List<String> all = new java.util.ArrayList<>(head);
        all.addAll(List.of(tail));
        return all.toArray(new String[0]);
    }
}
