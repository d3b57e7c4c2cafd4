package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.node.chain.FakeBitcoind;
import dev.jshrew.node.chain.RegtestChain;
import dev.jshrew.tck.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jshrew index} following a bitcoind (the fake, on loopback) through the CLI, in process: real mainnet blocks
 * give the same database as {@code --blocks} (C-68, C-69, C-70 end to end), credentials, retries, a reorg, and the
 * progress displays.
 */
class NodeCliTest {
    @TempDir
    Path temp;

    static String[] index(String db, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "index",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.indexer(),
                "--db",
                db,
                "--memory-commit",
                "64m",
                "--poll-interval-ms",
                "50",
                "--retry-initial-delay-ms",
                "30",
                "--progress",
                "off"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    static List<String> dumps(String db, long... heights) {
        List<String> out = new ArrayList<>();
        for (long h : heights) {
            CliTest.Run r = CliTest.jshrew("dump", "--db", db, "--height", Long.toString(h));
            out.add(h + ": " + r.code() + " " + r.out());
        }
        return out;
    }

    @Test
    void realBlocksFromBitcoindGiveTheSameDatabaseAsBlockFiles() throws Exception {
        NavigableMap<Long, Fixtures.RealBlock> real = Fixtures.realBlocks();
        NavigableMap<Long, byte[]> served = new TreeMap<>();
        for (long h : new long[] {0, 83636, 840243}) {
            served.put(h, real.get(h).bytes());
        }
        String files = temp.resolve("files").toString();
        assertThat(CliTest.jshrew(index(
                                files,
                                "--blocks",
                                CliTest.repo().resolve("sample/blocks").toString()))
                        .code())
                .isZero();

        String rpc = temp.resolve("rpc").toString();
        Path cookie = Files.writeString(temp.resolve(".cookie"), "__cookie__:0123abcd\n");
        try (FakeBitcoind fake = new FakeBitcoind().serve(served)) {
            fake.requireAuth(
                    "Basic " + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8)));
            String url = fake.url().toString();
            // C-68: --start-block 0 --exit-at 1 on an empty database indexes exactly height 0 and exits 0.
            CliTest.Run first = CliTest.jshrew(index(
                    rpc, "--daemon-rpc-url", url, "--auth", "alice:s3cret", "--start-block", "0", "--exit-at", "1"));
            assertThat(first.code()).as(first.err()).isZero();
            assertThat(first.err()).contains("indexed 1 block(s)").contains("tip 0");
            // C-69: --start-block above the tip skips ahead; C-70: a segwit block (840243) goes to the guest as served.
            CliTest.Run second = CliTest.jshrew(index(
                    rpc,
                    "--daemon-rpc-url",
                    url.replace("http://", "http://alice:s3cret@"),
                    "--start-block",
                    "83636",
                    "--exit-at",
                    "83637"));
            assertThat(second.code()).as(second.err()).isZero();
            fake.requireAuth("Basic "
                    + Base64.getEncoder().encodeToString("__cookie__:0123abcd".getBytes(StandardCharsets.UTF_8)));
            CliTest.Run third = CliTest.jshrew(index(
                    rpc,
                    "--daemon-rpc-url",
                    url,
                    "--rpc-cookie-file",
                    cookie.toString(),
                    "--start-block",
                    "840243",
                    "--exit-at",
                    "840244"));
            assertThat(third.code()).as(third.err()).isZero();
            assertThat(fake.calls("getblockhash")).allMatch(c -> c.params().matches("\\[(0|83636|840243)\\]"));
        }
        assertThat(dumps(rpc, 0, 83636, 840243)).isEqualTo(dumps(files, 0, 83636, 840243));
        CliTest.Run stats = CliTest.jshrew(
                "view",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.indexer(),
                "--db",
                rpc,
                "--function",
                "stats",
                "--input",
                CliTest.u32hex(840243),
                "--memory-commit",
                "off");
        assertThat(stats.out().strip())
                .isEqualTo(HexFormat.of()
                        .formatHex(
                                dev.jshrew.tck.BlockStats.of(real.get(840243L).bytes())
                                        .encoded()));
    }

    @Test
    void transientFailuresAreRetriedAndAReorgIsFollowed() throws Exception {
        RegtestChain genesis =
                RegtestChain.startingWith(Fixtures.realBlocks().get(0L).bytes());
        RegtestChain a = genesis.extend(6, "a", RegtestChain.sharedAndUnique("a"));
        RegtestChain b = a.prefix(3).extend(6, "b", RegtestChain.sharedAndUnique("b"));
        String db = temp.resolve("db").toString();
        try (FakeBitcoind fake = new FakeBitcoind().serve(a)) {
            fake.failNext("getblock", 3);
            fake.failNext("getblockcount", 1);
            CliTest.Run run =
                    CliTest.jshrew(index(db, "--daemon-rpc-url", fake.url().toString(), "--exit-at", "7"));
            assertThat(run.code()).as(run.err()).isZero();
            assertThat(run.err()).contains("getblock 0 failed (attempt 3)").contains("retrying in");
            fake.serve(b);
            CliTest.Run reorg =
                    CliTest.jshrew(index(db, "--daemon-rpc-url", fake.url().toString(), "--exit-at", "10"));
            assertThat(reorg.code()).as(reorg.err()).isZero();
            assertThat(reorg.err()).contains("does not connect").contains("rolled back from 6 to 3");
        }
        String clean = temp.resolve("clean").toString();
        try (FakeBitcoind fake = new FakeBitcoind().serve(b)) {
            assertThat(CliTest.jshrew(
                                    index(clean, "--daemon-rpc-url", fake.url().toString(), "--exit-at", "10"))
                            .code())
                    .isZero();
        }
        long[] heights = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        assertThat(dumps(db, heights)).isEqualTo(dumps(clean, heights));
        assertThat(CliTest.jshrew("diff", "--db1", db, "--db2", clean).out())
                .startsWith("no difference in 10 block(s)");
        for (String script : List.of(
                "51",
                HexFormat.of().formatHex(RegtestChain.p2pkh("a/5")),
                HexFormat.of().formatHex(RegtestChain.p2pkh("b/5")))) {
            for (String height : List.of("4", "9")) {
                String[] view = {
                    "view",
                    "--engine",
                    "chicory",
                    "--indexer",
                    CliTest.indexer(),
                    "--function",
                    "outputsbyscript",
                    "--input",
                    script,
                    "--height",
                    height,
                    "--memory-commit",
                    "off",
                    "--db"
                };
                List<String> mine = new ArrayList<>(List.of(view));
                mine.add(db);
                List<String> theirs = new ArrayList<>(List.of(view));
                theirs.add(clean);
                assertThat(CliTest.jshrew(mine.toArray(String[]::new)).out())
                        .isEqualTo(CliTest.jshrew(theirs.toArray(String[]::new)).out());
            }
        }
    }

    @Test
    void progressIsABarOnATerminalAndLogLinesOtherwise() throws Exception {
        String sample = CliTest.repo().resolve("sample/blocks").toString();
        CliTest.Run log = CliTest.jshrew(
                "index",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.indexer(),
                "--db",
                temp.resolve("log").toString(),
                "--blocks",
                sample,
                "--memory-commit",
                "off",
                "--progress-interval-ms",
                "0");
        assertThat(log.code()).isZero(); // not a terminal: auto means log lines
        assertThat(log.err())
                .contains("indexed 83636 ")
                .containsPattern("progress: height 840243, 3 blocks, [0-9.]+ blocks/s, 0 left, ETA 0:00:00");
        CliTest.Run bar = CliTest.jshrew(
                "index",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.indexer(),
                "--db",
                temp.resolve("bar").toString(),
                "--blocks",
                sample,
                "--memory-commit",
                "off",
                "--progress",
                "bar");
        assertThat(bar.code()).isZero();
        assertThat(bar.err())
                .contains("indexing")
                .contains("3/3")
                .contains("blocks")
                .doesNotContain("indexed 83636 ");
        CliTest.Run bad = CliTest.jshrew(
                "index",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.indexer(),
                "--db",
                temp.resolve("x").toString(),
                "--blocks",
                sample,
                "--daemon-rpc-url",
                "http://127.0.0.1:1/");
        assertThat(bad.code()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(bad.err()).contains("exactly one block source");
    }
}
