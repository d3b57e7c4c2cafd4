package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.devnet.BlockDirectory;
import dev.jshrew.devnet.DevnetChain;
import dev.jshrew.devnet.DevnetServer;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.StateRoot;
import dev.jshrew.node.chain.BitcoindAuth;
import dev.jshrew.node.chain.BitcoindClient;
import dev.jshrew.node.sync.Sync;
import dev.jshrew.node.sync.SyncListener;
import dev.jshrew.node.sync.TestNode;
import dev.jshrew.tck.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jshrew devnet}: synthesize through the CLI, jshrew's node following {@code devnet serve} (loopback) over a
 * synthesized chain with the spendables indexer, and the sync loop through scripted and live reorgs ending as a
 * node that only saw the final chain.
 */
class DevnetCliTest {
    @TempDir
    Path temp;

    Path synthesize(String name, int count, long start) {
        Path out = temp.resolve(name);
        CliTest.Run r = CliTest.jshrew(
                "devnet", "synthesize",
                "--from", Fixtures.sharedDir().resolve("data/blocks").toString(),
                "--count", Integer.toString(count),
                "--seed", "11",
                "--out", out.toString(),
                "--start-height", Long.toString(start),
                "--block-size", "20000");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("synthesized " + count + " blocks (heights " + start + "…" + (start + count - 1) + ")")
                .containsPattern("runestone: \\d+")
                .containsPattern("inscription envelope: \\d+")
                .containsPattern("OP_RETURN: \\d+")
                .containsPattern("segwit: [1-9]\\d*")
                .containsPattern("taproot: [1-9]\\d*");
        return out;
    }

    @Test
    void synthesizeRefusesBadInputWithExit18AndWritesNothing() throws Exception {
        Path used = Files.createDirectories(temp.resolve("used"));
        Files.writeString(used.resolve("mine.hex"), "00");
        CliTest.Run r = CliTest.jshrew(
                "devnet",
                "synthesize",
                "--from",
                temp.resolve("none").toString(),
                "--count",
                "2",
                "--seed",
                "1",
                "--out",
                temp.resolve("new").toString());
        assertThat(r.code()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(r.err()).contains("no block directory");
        assertThat(temp.resolve("new")).doesNotExist();
        r = CliTest.jshrew(
                "devnet",
                "synthesize",
                "--from",
                Fixtures.sharedDir().resolve("data/blocks").toString(),
                "--count",
                "2",
                "--seed",
                "1",
                "--out",
                used.toString());
        assertThat(r.code()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(Files.readString(used.resolve("mine.hex"))).isEqualTo("00");
        r = CliTest.jshrew("devnet", "serve", "--chain", temp.resolve("none").toString(), "--port", "0");
        assertThat(r.code()).isEqualTo(ErrorCode.INPUT.exitCode());
    }

    @Test
    void devnetServeRunsAsACommandWithAScriptedReorgAndRemovesItsCookieOnSigterm() throws Exception {
        Path chain = synthesize("chain", 6, 0);
        Path cookie = temp.resolve("devnet.cookie");
        assertThat(CliTest.jshrew("devnet", "serve", "--chain", chain.toString(), "--port", "0", "--reorg-depth", "2")
                        .code())
                .isEqualTo(2); // picocli's usage error: --reorg-depth without --reorg-at
        try (ChildJshrew child = ChildJshrew.start(
                List.of(),
                "devnet",
                "serve",
                "--chain",
                chain.toString(),
                "--port",
                "0",
                "--cookie-file",
                cookie.toString(),
                "--reorg-at",
                "4",
                "--reorg-depth",
                "2")) {
            String url = child.awaitErr("at (http://\\S+)", 60);
            assertThat(Files.readString(cookie)).matches("__cookie__:[0-9a-f]{64}");
            BitcoindClient client = new BitcoindClient(
                    java.net.URI.create(url), BitcoindAuth.of(null, cookie, java.net.URI.create(url)));
            assertThat(client.getBlockCount()).isEqualTo(4); // held at the scripted height
            byte[] four = client.getBlockHash(4).orElseThrow();
            client.getBlock(four); // fetched: the reorg replaces 3…4 by 3…5, the rest of the files follow
            assertThat(client.getBlockCount()).isEqualTo(5);
            assertThat(client.getBlockHash(4).orElseThrow()).isNotEqualTo(four);
            child.terminate();
        }
        assertThat(cookie).doesNotExist();
    }

    @Test
    void indexFollowingDevnetServeBuildsTheSameDatabaseAsTheBlockFiles() throws Exception {
        long start = 840_000;
        Path chain = synthesize("chain", 6, start);
        String files = temp.resolve("files").toString();
        CliTest.Run r = CliTest.jshrew(
                NodeCliTest.index(files, "--blocks", chain.toString(), "--start-block", Long.toString(start)));
        assertThat(r.code()).as(r.err()).isZero();
        String rpc = temp.resolve("rpc").toString();
        Path cookie = temp.resolve("devnet.cookie");
        DevnetChain devnet = new DevnetChain(BlockDirectory.open(chain), 0, new TreeMap<>(), System::nanoTime);
        try (DevnetServer server = DevnetServer.start(devnet, "127.0.0.1", 0, null, cookie)) {
            r = CliTest.jshrew(NodeCliTest.index(
                    rpc,
                    "--daemon-rpc-url",
                    server.url().toString(),
                    "--rpc-cookie-file",
                    cookie.toString(),
                    "--start-block",
                    Long.toString(start),
                    "--exit-at",
                    Long.toString(start + 6)));
            assertThat(r.code()).as(r.err()).isZero();
        }
        long[] heights = new long[6];
        for (int i = 0; i < 6; i++) {
            heights[i] = start + i;
        }
        List<String> fromFiles = NodeCliTest.dumps(files, heights);
        assertThat(fromFiles).allMatch(d -> d.contains(": 0 ") && d.contains("sha256"));
        assertThat(NodeCliTest.dumps(rpc, heights)).isEqualTo(fromFiles);
    }

    /** Per height: hash, state root and the digest of the block's writes (C-44's comparison). */
    static List<String> summary(KeyValueStore store, long upTo) {
        List<String> out = new ArrayList<>();
        for (long h = 0; h <= upTo; h++) {
            var hash = store.blockHash(h);
            out.add(h + " " + hash.map(Hashes::hex).orElse("-") + " "
                    + store.stateRoot(h).map(Hashes::hex).orElse("-") + " "
                    + (hash.isPresent() ? Hashes.hex(StateRoot.digest(store.blockWrites(h))) : "-"));
        }
        return out;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    static boolean atTip(TestNode n, DevnetServer server) {
        DevnetChain c = server.chain();
        long tip = c.tip();
        Optional<byte[]> stored = n.store.blockHash(tip);
        return stored.isPresent()
                && Hashes.hex(stored.get()).equals(c.at(tip).orElseThrow().displayHash());
    }

    @Test
    void theSyncLoopFollowsScriptedAndLiveReorgsAndEndsAsANodeThatSawOnlyTheFinalChain() throws Exception {
        Path chain = synthesize("chain", 14, 0);
        NavigableMap<Long, Integer> reorgs = new TreeMap<>();
        reorgs.put(9L, 3);
        DevnetChain devnet = new DevnetChain(BlockDirectory.open(chain), 0, reorgs, System::nanoTime);
        Path finalChain = Files.createDirectories(temp.resolve("final"));
        long tip;
        List<String> followed;
        try (DevnetServer server = DevnetServer.start(devnet, "127.0.0.1", 0, null, null);
                TestNode n = new TestNode("spendables/spendables.wasm", temp.resolve("live"))) {
            BitcoindClient client = new BitcoindClient(server.url(), BitcoindAuth.none());
            Sync sync = new Sync(client, n.indexer, n.state, TestNode.options(0, null), new SyncListener() {});
            Thread t = Thread.ofPlatform().name("devnet-sync").start(() -> {
                try {
                    sync.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                // the scripted reorg at 9 (depth 3) happened once the node fetched block 9
                await(
                        "the node at the devnet's tip after the scripted reorg",
                        () -> devnet.tip() == 13 && atTip(n, server));
                long reorgsBefore = devnet.tip();
                DevnetChain.Reorg live = devnet.reorg(4);
                assertThat(live.forkHeight()).isEqualTo(reorgsBefore - 3);
                await("the node at the devnet's tip after the live reorg", () -> atTip(n, server));
            } finally {
                sync.stop();
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
            tip = devnet.tip();
            assertThat(tip).isEqualTo(14);
            for (long h = 0; h <= tip; h++) {
                DevnetChain.Entry e = devnet.at(h).orElseThrow();
                Files.writeString(
                        finalChain.resolve(String.format("final-%03d.hex", h)),
                        HexFormat.of().formatHex(devnet.bytes(e)));
            }
            followed = summary(n.store, tip + 2);
        }
        DevnetChain clean = new DevnetChain(BlockDirectory.open(finalChain), 0, new TreeMap<>(), System::nanoTime);
        try (DevnetServer server = DevnetServer.start(clean, "127.0.0.1", 0, null, null);
                TestNode n = new TestNode("spendables/spendables.wasm", temp.resolve("clean"))) {
            new Sync(
                            new BitcoindClient(server.url(), BitcoindAuth.none()),
                            n.indexer,
                            n.state,
                            TestNode.options(0, tip + 1),
                            new SyncListener() {})
                    .run();
            assertThat(followed).isEqualTo(summary(n.store, tip + 2));
        }
    }
}
