package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.node.chain.FakeBitcoind;
import dev.jshrew.node.chain.RegtestChain;
import dev.jshrew.node.rpc.RpcClient;
import dev.jshrew.tck.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --replica-of}: two replicas (each its own directory) follow a primary that indexes from the fake
 * bitcoind, and answer the same views, block hashes and state roots as the primary at every height they reach, while
 * it indexes; their height never goes back and never passes the primary's. Then {@code diff --rpc}: none between the
 * primary and a replica, and the first divergent height against a node that followed another branch.
 */
class ReplicaCliTest {
    private static final int BLOCKS = 20;
    private static final int FORK = 12;

    @TempDir
    Path temp;

    @Test
    void replicasAnswerAsThePrimaryAtEveryHeightWhileItIndexesAndDiffOverRpcFindsADivergence() throws Exception {
        RegtestChain genesis =
                RegtestChain.startingWith(Fixtures.realBlocks().get(0L).bytes());
        RegtestChain a = genesis.extend(BLOCKS, "a", RegtestChain.sharedAndUnique("a"));
        RegtestChain b = a.prefix(FORK).extend(5, "b", RegtestChain.sharedAndUnique("b"));
        String primaryDb = temp.resolve("primary").toString();
        // bitcoind has 5 blocks until the replicas are up, then the rest, one every 150 ms at most: the replicas
        // follow the primary while it indexes.
        try (FakeBitcoind fake = new FakeBitcoind().serve(a.prefix(5))) {
            fake.getblockDelay(150);
            try (ChildJshrew primary = ChildJshrew.start(
                    List.of(),
                    serve(primaryDb, "--daemon-rpc-url", fake.url().toString(), "--poll-interval-ms", "50"))) {
                RpcClient p = new RpcClient(port(primary));
                ServeCliTest.await("the primary's height 1", 60, () -> height(p) >= 1);
                List<ChildJshrew> replicas = new ArrayList<>();
                try {
                    for (int i = 0; i < 2; i++) {
                        replicas.add(ChildJshrew.start(
                                List.of(),
                                serve(
                                        temp.resolve("replica" + i).toString(),
                                        "--replica-of",
                                        primaryDb,
                                        "--replica-interval",
                                        "100ms",
                                        "--metrics-port",
                                        "0")));
                    }
                    List<RpcClient> r = new ArrayList<>();
                    for (ChildJshrew replica : replicas) {
                        r.add(new RpcClient(port(replica)));
                    }
                    fake.serve(a);
                    followAndCompare(p, r);

                    // A replica's probes: healthy, and ready (it caught up with its primary moments ago).
                    int metricsPort = Integer.parseInt(replicas.get(0)
                            .awaitErr("serving Prometheus metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics", 30));
                    assertThat(probe(metricsPort, "/healthz")).isEqualTo(200);
                    assertThat(probe(metricsPort, "/readyz")).isEqualTo(200);
                    try (java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient()) {
                        String scrape = client.send(
                                        java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                                                        "http://127.0.0.1:" + metricsPort + "/metrics"))
                                                .build(),
                                        java.net.http.HttpResponse.BodyHandlers.ofString())
                                .body();
                        assertThat(scrape)
                                .contains("jshrew_rpc_request_seconds_count{method=\"metashrew_view\"}")
                                .contains("jshrew_tip_height " + BLOCKS);
                    }

                    // diff --rpc: a replica equals its primary at every height.
                    String primaryUrl = "http://127.0.0.1:" + port(primary);
                    String replicaUrl = "http://127.0.0.1:" + port(replicas.get(0));
                    CliTest.Run same = CliTest.jshrew("diff", "--rpc", primaryUrl, replicaUrl);
                    assertThat(same.code()).as(same.err()).isZero();
                    assertThat(same.out()).startsWith("no difference in heights 0…" + BLOCKS + " ");

                    // A node that followed branch b (fork after FORK) diverges first at FORK + 1.
                    try (FakeBitcoind other = new FakeBitcoind().serve(b);
                            ChildJshrew node = ChildJshrew.start(
                                    List.of(),
                                    serve(
                                            temp.resolve("other").toString(),
                                            "--daemon-rpc-url",
                                            other.url().toString()))) {
                        RpcClient o = new RpcClient(port(node));
                        ServeCliTest.await("b's tip", 60, () -> height(o) == b.tip());
                        String otherUrl = "http://127.0.0.1:" + port(node);
                        CliTest.Run diverged = CliTest.jshrew("diff", "--rpc", primaryUrl, otherUrl);
                        assertThat(diverged.code()).as(diverged.err()).isEqualTo(1);
                        assertThat(diverged.out())
                                .startsWith("state roots differ first at height " + (FORK + 1) + ": 0x")
                                .contains(p.result("metashrew_stateroot", FORK + 1));
                        CliTest.Run below = CliTest.jshrew("diff", "--rpc", replicaUrl, otherUrl, "--to", "" + FORK);
                        assertThat(below.code()).as(below.err()).isZero();
                        assertThat(below.out()).startsWith("no difference in heights 0…" + FORK + " ");
                        CliTest.Run from = CliTest.jshrew("diff", "--rpc", primaryUrl, otherUrl, "--from", "15");
                        assertThat(from.out()).startsWith("state roots differ first at height 15: ");
                    }
                    for (ChildJshrew replica : replicas) {
                        assertThat(replica.terminate()).isEqualTo(143);
                        assertThat(replica.err()).doesNotContainPattern("(?m)^\\s+at [\\w.$/]+\\(");
                    }
                } finally {
                    replicas.forEach(ChildJshrew::close);
                }
            }
        }
    }

    @Test
    void aReplicaRefusesABlockSourceAndAMissingPrimary() {
        CliTest.Run withSource = CliTest.jshrew(
                serve(temp.resolve("r").toString(), "--replica-of", temp.toString(), "--blocks", temp.toString()));
        assertThat(withSource.code()).isEqualTo(18);
        assertThat(withSource.err()).contains("--daemon-rpc-url and --blocks are not allowed");
        CliTest.Run missing = CliTest.jshrew(serve(
                temp.resolve("r").toString(),
                "--replica-of",
                temp.resolve("none").toString()));
        assertThat(missing.code()).isEqualTo(17);
        assertThat(missing.err()).contains("does not exist");
    }

    /**
     * Until every replica reaches the primary's final tip: compares each height a replica newly shows with the
     * primary. Beside it, a sampler thread polls the heights every 10 ms and prints the lag it saw (blocks behind, and
     * ms from the primary showing a height to a replica showing it).
     */
    private static void followAndCompare(RpcClient primary, List<RpcClient> replicas) throws Exception {
        Map<Long, Long> primaryFirst = new ConcurrentHashMap<>();
        List<Map<Long, Long>> replicaFirst = new ArrayList<>();
        replicas.forEach(r -> replicaFirst.add(new ConcurrentHashMap<>()));
        AtomicLong maxBlocksBehind = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        Thread sampler = Thread.ofPlatform().start(() -> {
            try {
                while (!stop.get()) {
                    long now = System.nanoTime();
                    long ph = height(primary);
                    for (long h = 0; h <= ph; h++) {
                        primaryFirst.putIfAbsent(h, now);
                    }
                    for (int i = 0; i < replicas.size(); i++) {
                        long rh = height(replicas.get(i));
                        long at = System.nanoTime();
                        for (long h = 0; h <= rh; h++) {
                            replicaFirst.get(i).putIfAbsent(h, at);
                        }
                        maxBlocksBehind.accumulateAndGet(height(primary) - rh, Math::max);
                    }
                    Thread.sleep(10);
                }
            } catch (Exception e) {
                maxBlocksBehind.set(Long.MIN_VALUE);
            }
        });
        long[] checked = new long[replicas.size()];
        java.util.Arrays.fill(checked, -1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        boolean done = false;
        try {
            while (!done) {
                assertThat(System.nanoTime())
                        .as("replicas reach the tip within 120 s")
                        .isLessThan(deadline);
                done = true;
                for (int i = 0; i < replicas.size(); i++) {
                    long rh = height(replicas.get(i));
                    assertThat(rh).as("a replica never passes its primary").isLessThanOrEqualTo(height(primary));
                    assertThat(rh).as("a replica's height never goes back").isGreaterThanOrEqualTo(checked[i]);
                    for (long h = checked[i] + 1; h <= rh; h++) {
                        assertSameAt(primary, replicas.get(i), h);
                    }
                    checked[i] = rh;
                    done &= rh == BLOCKS;
                }
                Thread.sleep(20);
            }
        } finally {
            stop.set(true);
            sampler.join();
        }
        assertThat(maxBlocksBehind.get()).as("the sampler ran without errors").isNotNegative();
        List<Long> lagMillis = new ArrayList<>();
        for (Map<Long, Long> first : replicaFirst) {
            // Heights above 5 arrive while the replicas run (the first five were there before they started).
            first.forEach((h, t) -> {
                if (h > 5) {
                    lagMillis.add(TimeUnit.NANOSECONDS.toMillis(t - primaryFirst.get(h)));
                }
            });
        }
        assertThat(lagMillis).hasSize(replicas.size() * (BLOCKS - 5));
        lagMillis.sort(null);
        System.out.println("replica lag (--replica-interval 100ms): at most " + maxBlocksBehind + " block(s) behind;"
                + " ms from the primary to a replica showing a height: median " + lagMillis.get(lagMillis.size() / 2)
                + ", max " + lagMillis.getLast() + ", all " + lagMillis);
    }

    private static void assertSameAt(RpcClient primary, RpcClient replica, long h) throws Exception {
        String opTrue = "0x51";
        for (List<Object> call : List.<List<Object>>of(
                List.of("metashrew_getblockhash", h),
                List.of("metashrew_stateroot", "" + h),
                List.of("metashrew_view", "outputsbyscript", opTrue, "" + h),
                List.of("metashrew_view", "blockhash", ServeCliTest.u32(h), "" + h))) {
            Object[] params = call.subList(1, call.size()).toArray();
            String method = (String) call.get(0);
            assertThat(replica.call(method, params)).as(method + " at " + h).isEqualTo(primary.call(method, params));
        }
    }

    private static int probe(int port, String path) throws Exception {
        try (java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient()) {
            return client.send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path))
                                    .timeout(java.time.Duration.ofSeconds(10))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        }
    }

    private static long height(RpcClient rpc) throws Exception {
        return Long.parseLong(rpc.result("metashrew_height"));
    }

    private static int port(ChildJshrew node) throws InterruptedException {
        return Integer.parseInt(node.awaitErr("serving JSON-RPC on http://127\\.0\\.0\\.1:(\\d+)", 60));
    }

    private static String[] serve(String db, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "serve",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.indexer(),
                "--db",
                db,
                "--port",
                "0",
                "--memory-commit",
                "64m",
                "--view-workers",
                "1",
                "--progress",
                "off"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }
}
