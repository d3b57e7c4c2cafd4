package dev.jshrew.benchmarks.scale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The soak (issue 13, item 3): a synthesized chain served by {@code jshrew devnet serve} with scripted reorgs,
 * followed per engine by {@code jshrew serve --daemon-rpc-url} that is SIGKILLed and restarted every K blocks while
 * a bounded view load runs; then a reference node (no kills, no reorgs seen, no view load) indexes the final chain
 * from the same devnet, and every height's block hash and state root, and every key written ({@code jshrew diff
 * --db1 --db2}), are compared. Everything runs as child processes on 127.0.0.1; every wait is bounded.
 *
 * <p>Per block times come from the node's {@code --block-log}, RSS from {@code /proc/PID/status} (the process and
 * its descendants: GraalWasm relaunches itself), the database size from walking its directory.
 */
public final class Soak {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();
    /**
     * The views run starts its load once the node has indexed this many blocks: the first blocks of a cold JVM run
     * while the JIT compiles the guest (Chicory's huge methods late), which would compete with the views.
     */
    static final int VIEWS_AFTER_BLOCKS = 60;

    /** What to run. {@code reorgs}: pairs (offset from the start height, depth), in ascending offset. */
    public record Config(
            List<String> jshrew,
            Path blocksFrom,
            Path indexer,
            int count,
            long startHeight,
            int blockSize,
            long seed,
            int killEvery,
            List<long[]> reorgs,
            int viewClients,
            int viewRequestsPerClient,
            long viewPauseMillis,
            String memoryCommit,
            Path work,
            Duration timeout) {
        /** The same soak over the first {@code n} blocks: reorgs beyond them are dropped. */
        Config withCount(int n) {
            return with(n, reorgs.stream().filter(r -> r[0] < n - 1).toList(), viewClients, viewRequestsPerClient);
        }

        /**
         * The same views shared among {@code clients} clients (as many in all, but for a rounding down).
         *
         * @throws IllegalArgumentException for fewer than one client, or more clients than views (each would get
         *     none, and the run would measure nothing)
         */
        Config withViewClients(int clients) {
            int views = viewRequestsPerClient * viewClients;
            if (clients < 1 || clients > views) {
                throw new IllegalArgumentException(
                        "VIEW_CLIENTS must be between 1 and " + views + " (the views to share), not " + clients);
            }
            return with(count, reorgs, clients, views / clients);
        }

        private Config with(int n, List<long[]> reorgsWithin, int clients, int requestsPerClient) {
            return new Config(
                    jshrew,
                    blocksFrom,
                    indexer,
                    n,
                    startHeight,
                    blockSize,
                    seed,
                    killEvery,
                    reorgsWithin,
                    clients,
                    requestsPerClient,
                    viewPauseMillis,
                    memoryCommit,
                    work,
                    timeout);
        }
    }

    /** One engine's outcome; {@code json} is what is written to {@code scale-ENGINE.json}. */
    public record Result(
            String engine,
            int blocks,
            double perBlockRatio,
            double peakRssMiB,
            double rssGrowth,
            double viewP99Millis,
            int divergentHeights,
            boolean diffEqual,
            int kills,
            int reorgsSeen,
            ObjectNode json) {
        /** The result line. */
        public String line() {
            return String.format(
                    Locale.ROOT,
                    "scale: %d blocks, engine %s, per-block last10%%/first10%% = %.2f, peak RSS %.0f MiB, view p99 %.1f"
                            + " ms, divergent heights %d",
                    blocks,
                    engine,
                    perBlockRatio,
                    peakRssMiB,
                    viewP99Millis,
                    divergentHeights);
        }
    }

    /**
     * Rounds of the views run's warm-up load ({@code -Dsoak.viewWarmupRounds}, default 1): after one round (half the
     * measured views) a 2-core machine's JIT is still compiling the view path, and the measured load competes with it.
     */
    private static final int VIEW_WARMUP_ROUNDS = Integer.getInteger("soak.viewWarmupRounds", 1);

    private final Config config;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final long deadline;

    public Soak(Config config) {
        this.config = config;
        this.deadline = System.nanoTime() + config.timeout().toNanos();
    }

    /** Synthesizes the chain into {@code work/chain} (once; reused if it is there). */
    public Path synthesize() throws IOException, InterruptedException {
        Path chain = config.work().resolve("chain");
        if (Files.isDirectory(chain)) {
            try (Stream<Path> s = Files.list(chain)) {
                if (s.count() == config.count()) {
                    return chain;
                }
            }
        }
        int status = runToEnd(
                config.work().resolve("synthesize.log"),
                "devnet",
                "synthesize",
                "--from",
                config.blocksFrom().toString(),
                "--count",
                Integer.toString(config.count()),
                "--seed",
                Long.toString(config.seed()),
                "--start-height",
                Long.toString(config.startHeight()),
                "--block-size",
                Integer.toString(config.blockSize()),
                "--out",
                chain.toString());
        if (status != 0) {
            throw new IllegalStateException("devnet synthesize exited " + status + ", see "
                    + config.work().resolve("synthesize.log"));
        }
        return chain;
    }

    /** The soak and its reference on one engine, over a fresh devnet of {@code chain}. */
    public Result run(String engine, Path chain) throws IOException, InterruptedException {
        Path dir = config.work().resolve(engine);
        deleteTree(dir);
        Files.createDirectories(dir);
        int devnetPort = freePort();
        List<String> devnetArgs = new ArrayList<>(
                List.of("devnet", "serve", "--chain", chain.toString(), "--port", Integer.toString(devnetPort)));
        for (long[] r : config.reorgs()) {
            devnetArgs.addAll(List.of(
                    "--reorg-at", Long.toString(config.startHeight() + r[0]), "--reorg-depth", Long.toString(r[1])));
        }
        long lastHeight = config.startHeight() + config.count() - 1;
        try (Child devnet = start(dir.resolve("devnet.log"), devnetArgs)) {
            String devnetUrl = "http://127.0.0.1:" + devnetPort;
            awaitTrue("devnet answers", () -> bitcoind(devnetUrl, "getblockcount") != null);
            Path db = dir.resolve("db");
            Path blockLog = dir.resolve("blocks.jsonl");
            int rpcPort = freePort();
            List<String> nodeArgs = nodeArgs(engine, db, devnetUrl, rpcPort, 1);
            nodeArgs.addAll(List.of("--block-log", blockLog.toString()));
            String rpc = "http://127.0.0.1:" + rpcPort;

            List<long[]> rss = new ArrayList<>(); // t_ms, height, kib, generation
            List<long[]> dbSize = new ArrayList<>(); // t_ms, height, bytes
            List<long[]> kills = new ArrayList<>(); // t_ms, height
            ViewLoad load = new ViewLoad(rpc);
            String loadStart = loadAverage();
            long t0 = System.currentTimeMillis();
            int generation = 0;
            Child node = start(dir.resolve("node-0.log"), nodeArgs);
            try {
                awaitTrue("the node answers", () -> height(rpc) >= -1);
                load.start();
                long nextKill = config.startHeight() + config.killEvery();
                long lastDbSample = 0;
                while (true) {
                    checkDeadline("the soak on " + engine);
                    if (!devnet.alive()) {
                        throw new IllegalStateException("devnet serve exited, see " + dir.resolve("devnet.log"));
                    }
                    long h = height(rpc);
                    long now = System.currentTimeMillis();
                    load.tip.set(h);
                    long kib = node.rssKiB();
                    if (kib > 0 && h >= 0) {
                        rss.add(new long[] {now - t0, h, kib, generation});
                    }
                    if (now - lastDbSample >= 2000 && h >= 0) {
                        dbSize.add(new long[] {now - t0, h, treeSize(db)});
                        lastDbSample = now;
                    }
                    if (config.killEvery() > 0 && h >= nextKill && nextKill < lastHeight) {
                        node.kill();
                        kills.add(new long[] {now - t0, h});
                        generation++;
                        node = start(dir.resolve("node-" + generation + ".log"), nodeArgs);
                        nextKill += config.killEvery();
                        awaitTrue("the node answers after a kill", () -> height(rpc) >= -1);
                        continue;
                    }
                    if (h >= lastHeight && caughtUp(rpc, devnetUrl, h)) {
                        break;
                    }
                    if (!node.alive()) {
                        throw new IllegalStateException("the node exited " + node.process.exitValue() + ", see "
                                + dir.resolve("node-" + generation + ".log"));
                    }
                    Thread.sleep(200);
                }
                long indexedMs = System.currentTimeMillis() - t0;
                load.finish();
                long tip = height(rpc);
                dbSize.add(new long[] {System.currentTimeMillis() - t0, tip, treeSize(db)});

                // The reference: a fresh node on the final chain, no kills, no load; the devnet has done its reorgs.
                Path refDb = dir.resolve("ref-db");
                int refPort = freePort();
                String refRpc = "http://127.0.0.1:" + refPort;
                List<String> refArgs = nodeArgs(engine, refDb, devnetUrl, refPort, 1);
                refArgs.addAll(
                        List.of("--block-log", dir.resolve("ref-blocks.jsonl").toString()));
                long refStart = System.currentTimeMillis();
                int divergent;
                boolean diffEqual;
                try (Child ref = start(dir.resolve("ref.log"), refArgs)) {
                    awaitTrue("the reference catches up", () -> height(refRpc) >= tip || !ref.alive());
                    if (!ref.alive()) {
                        throw new IllegalStateException("the reference node exited, see " + dir.resolve("ref.log"));
                    }
                    divergent = divergentHeights(rpc, refRpc, config.startHeight(), tip);
                    diffEqual =
                            runToEnd(dir.resolve("diff.log"), "diff", "--db1", db.toString(), "--db2", refDb.toString())
                                    == 0;
                }
                long refMs = System.currentTimeMillis() - refStart;
                return summarize(
                        engine,
                        loadStart,
                        dir,
                        blockLog,
                        rss,
                        dbSize,
                        kills,
                        load,
                        tip,
                        divergent,
                        diffEqual,
                        indexedMs,
                        refMs,
                        treeSize(refDb));
            } finally {
                load.finish();
                node.close();
            }
        }
    }

    /**
     * Views at scale (issue 15): a node indexes {@code chain} from a devnet that releases two blocks a second, and
     * once it has {@link #VIEWS_AFTER_BLOCKS} blocks, the view load runs without pauses ({@link Config#viewClients()}
     * clients, a {@link KeepAliveClient} each, × {@link Config#viewRequestsPerClient()} small views at random indexed
     * heights) on the default view pool, after a warm-up load of half as many views that is not counted. Run once per
     * {@code reset} mode: {@code fast} (pooled instances reset in place) against {@code fresh} (a new instance per
     * view: the original's model).
     *
     * @return the JSON of one run: views, failures, wall time, throughput, p50/p99/max latency
     */
    public ObjectNode views(String engine, Path chain, String reset) throws IOException, InterruptedException {
        Path dir = config.work().resolve("views-" + engine + "-" + reset);
        deleteTree(dir);
        Files.createDirectories(dir);
        int devnetPort = freePort();
        List<String> devnetArgs = List.of(
                "devnet",
                "serve",
                "--chain",
                chain.toString(),
                "--port",
                Integer.toString(devnetPort),
                "--blocks-per-second",
                "2");
        try (Child devnet = start(dir.resolve("devnet.log"), devnetArgs)) {
            String devnetUrl = "http://127.0.0.1:" + devnetPort;
            awaitTrue("devnet answers", () -> bitcoind(devnetUrl, "getblockcount") != null);
            int rpcPort = freePort();
            String rpc = "http://127.0.0.1:" + rpcPort;
            List<String> nodeArgs = nodeArgs(engine, dir.resolve("db"), devnetUrl, rpcPort, 0);
            nodeArgs.addAll(List.of("--reset", reset));
            try (Child node = start(dir.resolve("node.log"), nodeArgs)) {
                awaitTrue("the node has 20 blocks", () -> {
                    if (!node.alive() || !devnet.alive()) {
                        throw new IllegalStateException("the node or the devnet exited, see " + dir);
                    }
                    return height(rpc) >= config.startHeight() + Math.min(VIEWS_AFTER_BLOCKS, config.count() / 5);
                });
                AtomicLong tip = new AtomicLong(height(rpc));
                AtomicBoolean done = new AtomicBoolean();
                Thread tipFollower = Thread.ofPlatform().daemon().start(() -> {
                    while (!done.get()) {
                        long h = height(rpc);
                        if (h >= 0) {
                            tip.set(h);
                        }
                        try {
                            Thread.sleep(200);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                // Warm-up, not counted: the same load, so the JIT has compiled the view path (HTTP, JSON, the
                // engine's reset) before the measured load starts, as in a node that has been serving a while.
                // VIEW_WARMUP_ROUNDS rounds of it: on 2 cores the JIT is still compiling the view path after one.
                int warmupViews = 0;
                for (int round = 0; round < VIEW_WARMUP_ROUNDS; round++) {
                    ViewLoad warmup = new ViewLoad(rpc, tip, config.viewRequestsPerClient() / 2);
                    warmup.start();
                    warmup.await();
                    warmupViews += warmup.latencies.size();
                }
                long startHeight = height(rpc);
                ViewLoad load = new ViewLoad(rpc, tip, config.viewRequestsPerClient());
                System.err.printf(
                        Locale.ROOT,
                        "views %s --reset %s: warm-up done (%d views), measuring %d (node pid %d)%n",
                        engine,
                        reset,
                        warmupViews,
                        config.viewClients() * config.viewRequestsPerClient(),
                        node.process().pid());
                Duration nodeCpu0 = node.cpu();
                Duration ownCpu0 = ownCpu();
                load.start();
                load.await();
                Duration nodeCpu = node.cpu().minus(nodeCpu0);
                Duration ownCpu = ownCpu().minus(ownCpu0);
                done.set(true);
                tipFollower.interrupt();
                long endHeight = height(rpc);
                List<Double> sorted = new ArrayList<>(load.latencies);
                Collections.sort(sorted);
                double wallS = (load.lastEnd.get() - load.firstStart.get()) / 1e9;
                ObjectNode json = JSON.createObjectNode();
                json.put("engine", engine);
                json.put("reset", reset);
                json.put("clients", config.viewClients());
                json.put("views", sorted.size());
                json.put("warmup_views", warmupViews);
                json.put("failed", load.failed.get());
                json.put("wall_s", wallS);
                json.put("throughput_per_s", sorted.size() / wallS);
                json.put("p50_ms", percentile(sorted, 0.50));
                json.put("p99_ms", percentile(sorted, 0.99));
                json.put("max_ms", sorted.isEmpty() ? 0 : sorted.getLast());
                json.put("blocks_indexed_meanwhile", endHeight - startHeight);
                json.put("loadavg", loadAverage());
                // CPU over the measured load: the node's (views and indexing), and this process's (the clients)
                json.put("node_cpu_s", nodeCpu.toNanos() / 1e9);
                json.put("client_cpu_s", ownCpu.toNanos() / 1e9);
                json.put("node_cpu_ms_per_view", sorted.isEmpty() ? 0 : nodeCpu.toNanos() / 1e6 / sorted.size());
                return json;
            }
        }
    }

    private List<String> nodeArgs(String engine, Path db, String devnetUrl, int port, int viewWorkers) {
        List<String> args = new ArrayList<>(List.of(
                "serve",
                "--engine",
                engine,
                "--indexer",
                config.indexer().toString(),
                "--db",
                db.toString(),
                "--daemon-rpc-url",
                devnetUrl,
                "--start-block",
                Long.toString(config.startHeight()),
                "--port",
                Integer.toString(port),
                "--memory-commit",
                config.memoryCommit(),
                "--poll-interval-ms",
                "100",
                "--retry-initial-delay-ms",
                "100",
                "--progress",
                "log"));
        if (viewWorkers > 0) { // 0: serve's default pool
            args.addAll(List.of("--view-workers", Integer.toString(viewWorkers)));
        }
        return args;
    }

    /** True when the node's tip hash is the devnet's best block at the devnet's count. */
    private boolean caughtUp(String rpc, String devnetUrl, long h) {
        JsonNode count = bitcoind(devnetUrl, "getblockcount");
        JsonNode best = bitcoind(devnetUrl, "getbestblockhash");
        JsonNode mine =
                call(rpc, "metashrew_getblockhash", JSON.createArrayNode().add(h));
        return count != null
                && best != null
                && mine != null
                && count.asLong() == h
                && mine.asText().equals("0x" + best.asText());
    }

    /** Heights in [from, tip] where the two nodes' stored block hash or state root differ (or one is missing). */
    private int divergentHeights(String a, String b, long from, long tip) {
        int divergent = 0;
        for (long h = from; h <= tip; h++) {
            for (String method : List.of("metashrew_getblockhash", "metashrew_stateroot")) {
                JsonNode x = call(a, method, JSON.createArrayNode().add(h));
                JsonNode y = call(b, method, JSON.createArrayNode().add(h));
                if (x == null || y == null || !x.equals(y)) {
                    divergent++;
                    break;
                }
            }
        }
        return divergent;
    }

    private Result summarize(
            String engine,
            String loadStart,
            Path dir,
            Path blockLog,
            List<long[]> rss,
            List<long[]> dbSize,
            List<long[]> kills,
            ViewLoad load,
            long tip,
            int divergent,
            boolean diffEqual,
            long indexedMs,
            long refMs,
            long refDbBytes)
            throws IOException {
        TreeMap<Long, JsonNode> last = new TreeMap<>();
        int records = 0;
        int reorgs = 0;
        for (String line : Files.readAllLines(blockLog)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                continue; // a line cut by the SIGKILL
            }
            if (n.has("reorg")) {
                reorgs++;
            } else if (n.has("height")) {
                last.put(n.get("height").asLong(), n);
                records++;
            }
        }
        int n = last.size();
        int warm = Math.max(5, n / 50);
        int tenth = Math.max(1, n / 10);
        List<Double> perBlock = new ArrayList<>();
        List<Double> perBlockCpu = new ArrayList<>(); // empty when the node did not log cpu_ns
        List<Long> heights = new ArrayList<>(last.keySet());
        ArrayNode blocks = JSON.createArrayNode();
        for (JsonNode b : last.values()) {
            double ms = (b.get("run_ns").asLong()
                            + b.get("reset_ns").asLong()
                            + b.get("commit_ns").asLong())
                    / 1e6;
            perBlock.add(ms);
            long cpu = b.path("cpu_ns").asLong(-1);
            if (cpu >= 0) {
                perBlockCpu.add(cpu / 1e6);
            }
            blocks.addArray()
                    .add(b.get("height").asLong())
                    .add(b.get("run_ns").asLong() / 1e6)
                    .add(b.get("reset_ns").asLong() / 1e6)
                    .add(b.get("commit_ns").asLong() / 1e6)
                    .add(b.get("pairs").asInt())
                    .add(cpu / 1e6)
                    .add(b.path("reads").asLong(-1))
                    .add(b.path("read_ns").asLong(-1) / 1e6);
        }
        double first = median(perBlock.subList(Math.min(warm, n), Math.min(n, warm + tenth)));
        double lastTenth = median(perBlock.subList(Math.max(0, n - tenth), n));
        double ratio = lastTenth / first;
        long firstH = heights.isEmpty() ? 0 : heights.get(Math.min(warm, n - 1));
        long firstEnd = heights.isEmpty() ? 0 : heights.get(Math.min(n - 1, warm + tenth - 1));
        long lastStart = heights.isEmpty() ? 0 : heights.get(Math.max(0, n - tenth));
        double peakKiB = rss.stream().mapToLong(r -> r[2]).max().orElse(0);
        double rssFirst = median(rss.stream()
                .filter(r -> r[1] >= firstH && r[1] <= firstEnd)
                .map(r -> (double) r[2])
                .toList());
        double rssLast = median(rss.stream()
                .filter(r -> r[1] >= lastStart)
                .map(r -> (double) r[2])
                .toList());
        List<Double> lat = new ArrayList<>(load.latencies);
        Collections.sort(lat);

        ObjectNode json = JSON.createObjectNode();
        json.put("engine", engine);
        json.put(
                "machine",
                Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name") + " "
                        + System.getProperty("os.version") + ", java " + Runtime.version());
        json.put("loadavg_start", loadStart);
        json.put("loadavg_end", loadAverage());
        int heightsIndexed = (int) (tip - config.startHeight() + 1);
        json.put("blocks", heightsIndexed);
        json.put("block_log_heights", n); // a SIGKILL right after a commit loses that block's line
        json.put("first_height", config.startHeight());
        json.put("tip", tip);
        json.put("block_size", config.blockSize());
        json.put("seed", config.seed());
        json.put("memory_commit", config.memoryCommit());
        json.put("kill_every", config.killEvery());
        json.put("kills", kills.size());
        ArrayNode scripted = json.putArray("reorgs_scripted");
        config.reorgs()
                .forEach(r -> scripted.addObject()
                        .put("height", config.startHeight() + r[0])
                        .put("depth", r[1]));
        json.put("reorgs_seen", reorgs);
        json.put("block_log_records", records);
        json.put("indexing_wall_s", indexedMs / 1000.0);
        json.put("reference_wall_s", refMs / 1000.0);
        ObjectNode cost = json.putObject("per_block_ms");
        cost.put("warmup_blocks", warm);
        cost.put("first10_median", first);
        cost.put("last10_median", lastTenth);
        cost.put("ratio", ratio);
        cost.put(
                "mean",
                perBlock.stream().mapToDouble(Double::doubleValue).average().orElse(0));
        if (perBlockCpu.size() == n && n > 0) {
            // The same windows in CPU time of the indexing thread: what the wall-clock ratio would be on an idle
            // machine, without the other processes' load (compaction threads not included).
            ObjectNode cpu = json.putObject("per_block_cpu_ms");
            double cpuFirst = median(perBlockCpu.subList(Math.min(warm, n), Math.min(n, warm + tenth)));
            double cpuLast = median(perBlockCpu.subList(Math.max(0, n - tenth), n));
            cpu.put("first10_median", cpuFirst);
            cpu.put("last10_median", cpuLast);
            cpu.put("ratio", cpuLast / cpuFirst);
            cpu.put(
                    "mean",
                    perBlockCpu.stream()
                            .mapToDouble(Double::doubleValue)
                            .average()
                            .orElse(0));
        }
        List<Double> readMs = new ArrayList<>();
        List<Double> readCount = new ArrayList<>();
        for (JsonNode b : last.values()) {
            if (b.path("read_ns").asLong(-1) >= 0) {
                readMs.add(b.get("read_ns").asLong() / 1e6);
                readCount.add(b.get("reads").asDouble());
            }
        }
        if (readMs.size() == n && n > 0) {
            // The guest's reads that reached the store, the part of run time that depends on the store's size.
            ObjectNode reads = json.putObject("store_reads");
            reads.put("first10_median_count", median(readCount.subList(Math.min(warm, n), Math.min(n, warm + tenth))));
            reads.put("last10_median_count", median(readCount.subList(Math.max(0, n - tenth), n)));
            reads.put("first10_median_ms", median(readMs.subList(Math.min(warm, n), Math.min(n, warm + tenth))));
            reads.put("last10_median_ms", median(readMs.subList(Math.max(0, n - tenth), n)));
        }
        ObjectNode mem = json.putObject("rss_mib");
        mem.put("peak", peakKiB / 1024);
        mem.put("first10_median", rssFirst / 1024);
        mem.put("last10_median", rssLast / 1024);
        mem.put("growth", rssLast / rssFirst - 1);
        json.put("db_bytes_final", dbSize.isEmpty() ? 0 : dbSize.getLast()[2]);
        json.put("reference_db_bytes", refDbBytes);
        json.put("rocksdb_stalls", "not exposed by the node");
        ObjectNode views = json.putObject("views");
        views.put("clients", config.viewClients());
        views.put("requests_per_client", config.viewRequestsPerClient());
        views.put("ok", lat.size());
        views.put("failed", load.failed.get());
        views.put("skipped_node_down", load.skipped.get());
        views.put("pause_ms", config.viewPauseMillis());
        views.put("p50_ms", percentile(lat, 0.50));
        views.put("p99_ms", percentile(lat, 0.99));
        views.put("max_ms", lat.isEmpty() ? Double.NaN : lat.getLast());
        double loadSeconds = (load.lastEnd.get() - load.firstStart.get()) / 1e9;
        views.put("throughput_per_s", loadSeconds > 0 ? lat.size() / loadSeconds : 0);
        json.put("divergent_heights", divergent);
        json.put("diff_equal", diffEqual);
        // [height, run, reset, commit, pairs, cpu, store reads, store read time]; negative: not logged
        json.set("blocks_ms", blocks);
        ArrayNode rssJson = json.putArray("rss"); // [t_ms, height, kib, generation]
        rss.forEach(r -> rssJson.addArray().add(r[0]).add(r[1]).add(r[2]).add(r[3]));
        ArrayNode dbJson = json.putArray("db_size"); // [t_ms, height, bytes]
        dbSize.forEach(r -> dbJson.addArray().add(r[0]).add(r[1]).add(r[2]));
        ArrayNode killJson = json.putArray("kill_at"); // [t_ms, height]
        kills.forEach(r -> killJson.addArray().add(r[0]).add(r[1]));
        ArrayNode latJson = json.putArray("view_latency_ms"); // [t_ms since load start, latency]
        load.samples.forEach(s -> latJson.addArray().add(s[0]).add(s[1]));
        Result result = new Result(
                engine,
                heightsIndexed,
                ratio,
                peakKiB / 1024,
                rssLast / rssFirst - 1,
                percentile(lat, 0.99),
                divergent,
                diffEqual,
                kills.size(),
                reorgs,
                json);
        json.put("line", result.line());
        return result;
    }

    /** Writes {@code PREFIX-ENGINE.json} and the three charts ({@code PREFIX-ENGINE-*.svg}) into {@code out}. */
    public static void write(Result r, Path out, String prefix) throws IOException {
        Files.createDirectories(out);
        String base = prefix + "-" + r.engine();
        JSON.writerWithDefaultPrettyPrinter()
                .writeValue(out.resolve(base + ".json").toFile(), r.json());
        Charts.write(r, out, base);
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int m = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(m) : (sorted.get(m - 1) + sorted.get(m)) / 2;
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    /** The bounded view load: clients × requests, each a small view at a random indexed height. */
    private final class ViewLoad {
        final String rpc;
        final AtomicLong tip;
        final int requestsPerClient;
        final ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<double[]> samples = new ConcurrentLinkedQueue<>();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger skipped = new AtomicInteger(); // turns while the node was down (no tip known)
        final AtomicLong firstStart = new AtomicLong();
        final AtomicLong lastEnd = new AtomicLong();
        final List<Thread> threads = new ArrayList<>();
        volatile boolean stop;

        ViewLoad(String rpc) {
            this(rpc, new AtomicLong(-1), config.viewRequestsPerClient());
        }

        /** A load of {@code requestsPerClient} views per client at heights up to {@code tip}. */
        ViewLoad(String rpc, AtomicLong tip, int requestsPerClient) {
            this.rpc = rpc;
            this.tip = tip;
            this.requestsPerClient = requestsPerClient;
        }

        /** Waits for every client to send its views, then stops them. */
        void await() throws InterruptedException {
            for (Thread t : threads) {
                t.join(config.timeout().toMillis());
            }
            finish();
        }

        void start() {
            firstStart.set(System.nanoTime());
            lastEnd.set(System.nanoTime());
            for (int c = 0; c < config.viewClients(); c++) {
                SplittableRandom random = new SplittableRandom(config.seed() * 31 + c);
                threads.add(
                        Thread.ofPlatform().daemon().name("view-client-" + c).start(() -> client(random)));
            }
        }

        private void client(SplittableRandom random) {
            try (KeepAliveClient http = new KeepAliveClient(KeepAliveClient.port(rpc), 30_000)) {
                client(random, http);
            }
        }

        private void client(SplittableRandom random, KeepAliveClient http) {
            for (int i = 0; i < requestsPerClient && !stop; i++) {
                long t = tip.get();
                if (t >= config.startHeight()) {
                    ArrayNode view = smallView(random, config.startHeight(), t);
                    long begin = System.nanoTime();
                    JsonNode r = call(http, "metashrew_view", view);
                    long end = System.nanoTime();
                    if (r != null && r.isTextual()) {
                        double ms = (end - begin) / 1e6;
                        latencies.add(ms);
                        samples.add(new double[] {(begin - firstStart.get()) / 1e6, ms});
                        lastEnd.accumulateAndGet(end, Math::max);
                    } else {
                        failed.incrementAndGet();
                    }
                } else {
                    skipped.incrementAndGet();
                }
                try {
                    Thread.sleep(config.viewPauseMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        void finish() throws InterruptedException {
            stop = true;
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
        }
    }

    /** A metashrew JSON-RPC call: the result, or null on any failure (refused connection, error answer). */
    JsonNode call(String url, String method, ArrayNode params) {
        try {
            HttpResponse<String> resp = http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(30))
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    request(method, params).toString()))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return resultOf(JSON.readTree(resp.body()));
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * The view loads' small view, as {@code metashrew_view}'s params: the spendables indexer's {@code stats} or
     * {@code blockhash} of a random height in {@code [from, to]} (its input, u32 little-endian), at the tip. A small
     * view answered is a hex string ({@link JsonNode#isTextual()}).
     */
    static ArrayNode smallView(SplittableRandom random, long from, long to) {
        long h = from + random.nextLong(to - from + 1);
        byte[] le = {(byte) h, (byte) (h >>> 8), (byte) (h >>> 16), (byte) (h >>> 24)};
        String fn = random.nextBoolean() ? "stats" : "blockhash";
        return JSON.createArrayNode().add(fn).add(HEX.formatHex(le));
    }

    /** A metashrew JSON-RPC call on a keep-alive connection: the result, or null on any failure. */
    static JsonNode call(KeepAliveClient http, String method, ArrayNode params) {
        try {
            return resultOf(JSON.readTree(http.post(JSON.writeValueAsBytes(request(method, params)))));
        } catch (IOException e) {
            return null;
        }
    }

    private static ObjectNode request(String method, ArrayNode params) {
        ObjectNode req = JSON.createObjectNode();
        req.put("jsonrpc", "2.0").put("id", 1).put("method", method).set("params", params);
        return req;
    }

    /** A JSON-RPC answer's result, or null for an error answer. */
    private static JsonNode resultOf(JsonNode body) {
        JsonNode result = body.get("result");
        return result == null || result.isNull() ? null : result;
    }

    private JsonNode bitcoind(String url, String method) {
        return call(url, method, JSON.createArrayNode());
    }

    /** The node's tip, -1 for an empty database, -2 when it does not answer. */
    private long height(String rpc) {
        JsonNode h = call(rpc, "metashrew_height", JSON.createArrayNode());
        return h == null ? -2 : h.asLong() == 0 ? -1 : h.asLong();
    }

    private interface Condition {
        boolean met() throws IOException;
    }

    private void awaitTrue(String what, Condition condition) throws InterruptedException, IOException {
        while (!condition.met()) {
            checkDeadline(what);
            Thread.sleep(100);
        }
    }

    private void checkDeadline(String what) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(what + ": not done within " + config.timeout());
        }
    }

    private int runToEnd(Path log, String... args) throws IOException, InterruptedException {
        try (Child c = start(log, List.of(args))) {
            while (!c.process.waitFor(1, TimeUnit.SECONDS)) {
                checkDeadline(String.join(" ", args));
            }
            return c.process.exitValue();
        }
    }

    /** This process's CPU time so far (user and system), or zero if the system does not say. */
    private static Duration ownCpu() {
        return cpuOf(ProcessHandle.current());
    }

    private static Duration cpuOf(ProcessHandle process) {
        return process.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    private Child start(Path log, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(config.jshrew());
        command.addAll(args);
        Process p = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true)
                .start();
        return new Child(p);
    }

    /** A child process; closing it kills it (and its descendants) with SIGKILL. */
    private record Child(Process process) implements AutoCloseable {
        boolean alive() {
            return process.isAlive();
        }

        /**
         * The CPU time (user and system) the process and its living descendants have used so far (the CLI may run
         * the node in a child JVM, as for GraalWasm); a process the system says nothing about counts zero.
         */
        Duration cpu() {
            Duration sum = cpuOf(process.toHandle());
            for (ProcessHandle h : process.descendants().toList()) {
                sum = sum.plus(cpuOf(h));
            }
            return sum;
        }

        /** VmRSS of the process and its descendants, KiB; 0 if it is gone. */
        long rssKiB() {
            long sum = 0;
            List<ProcessHandle> all = new ArrayList<>();
            all.add(process.toHandle());
            process.descendants().forEach(all::add);
            for (ProcessHandle h : all) {
                try {
                    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(h.pid()), "status"))) {
                        if (line.startsWith("VmRSS:")) {
                            sum += Long.parseLong(line.replaceAll("[^0-9]", ""));
                        }
                    }
                } catch (IOException | UncheckedIOException e) {
                    // exited meanwhile
                }
            }
            return sum;
        }

        void kill() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly(); // SIGKILL on Linux
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                kill();
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static long treeSize(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.mapToLong(p -> {
                        try {
                            return Files.isRegularFile(p) ? Files.size(p) : 0;
                        } catch (IOException e) {
                            return 0; // a file RocksDB just removed
                        }
                    })
                    .sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Collections.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The profiles of run.sh: quick, full, and mini (the CI test's). */
    public static Config profile(String name, List<String> jshrew, Path shared, Path indexer, Path work) {
        List<long[]> sixReorgs = new ArrayList<>();
        return switch (name) {
            case "quick" -> {
                for (int d = 1; d <= 6; d++) {
                    sixReorgs.add(new long[] {140L * d, d});
                }
                yield new Config(
                        jshrew,
                        shared,
                        indexer,
                        1000,
                        840_000,
                        1_000_000,
                        1,
                        100,
                        sixReorgs,
                        3,
                        400,
                        1500, // 400 × ~1.5 s: the load spans the ~10 minutes of indexing
                        "512m",
                        work,
                        Duration.ofMinutes(60));
            }
            case "full" -> {
                for (int d = 1; d <= 6; d++) {
                    sixReorgs.add(new long[] {1400L * d, d});
                }
                yield new Config(
                        jshrew,
                        shared,
                        indexer,
                        10_000,
                        840_000,
                        1_000_000,
                        1,
                        1000,
                        sixReorgs,
                        3,
                        4000,
                        2000,
                        "512m",
                        work,
                        Duration.ofHours(12));
            }
            case "views" ->
                // the quick profile's chain (give the same work directory to reuse it); no kills, no reorgs
                new Config(
                        jshrew,
                        shared,
                        indexer,
                        1000,
                        840_000,
                        1_000_000,
                        1,
                        0,
                        List.of(),
                        4,
                        2500,
                        0,
                        "512m",
                        work,
                        Duration.ofMinutes(60));
            case "mini" ->
                new Config(
                        jshrew,
                        shared,
                        indexer,
                        150,
                        840_000,
                        50_000,
                        1,
                        50,
                        List.<long[]>of(new long[] {75, 3}),
                        2,
                        60,
                        20,
                        "64m",
                        work,
                        Duration.ofSeconds(150));
            default -> throw new IllegalArgumentException("profile: quick, full, views or mini, not " + name);
        };
    }

    /**
     * {@code Soak PROFILE ENGINES OUT_DIR WORK_DIR [JSHREW_COMMAND…]}: runs the profile on each engine (comma
     * separated), writes the JSON and charts to OUT_DIR, prints one result line per engine; exit 1 if any height
     * diverged. The command defaults to {@code java -jar cli/target/jshrew.jar}. Run from the repository root.
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: Soak quick|full|views|mini ENGINES OUT_DIR WORK_DIR [JSHREW_COMMAND...]");
            System.exit(2);
        }
        List<String> jshrew = args.length > 4
                ? List.of(args).subList(4, args.length)
                : List.of(ProcessHandle.current().info().command().orElse("java"), "-jar", "cli/target/jshrew.jar");
        Path out = Path.of(args[2]);
        Config config = profile(
                args[0],
                jshrew,
                Path.of("..", "shared", "data", "blocks"),
                Path.of("guests", "spendables", "spendables.wasm"),
                Path.of(args[3]));
        String count = System.getProperty("soak.count");
        if (count != null) { // a shorter trial of a profile
            config = config.withCount(Integer.parseInt(count));
        }
        String clients = System.getProperty("soak.viewClients");
        if (clients != null) { // more clients than the profile's: the node's capacity rather than 4 clients' rate
            config = config.withViewClients(Integer.parseInt(clients));
        }
        Files.createDirectories(config.work());
        Soak soak = new Soak(config);
        Path chain = soak.synthesize();
        if (args[0].equals("views")) {
            Files.createDirectories(out);
            for (String engine : args[1].split(",", -1)) {
                ObjectNode fast = soak.views(engine, chain, "fast");
                ObjectNode fresh = soak.views(engine, chain, "fresh");
                ObjectNode both = JSON.createObjectNode();
                both.set("fast", fast);
                both.set("fresh", fresh);
                double ratio = fast.get("throughput_per_s").asDouble()
                        / fresh.get("throughput_per_s").asDouble();
                both.put("throughput_fast_over_fresh", ratio);
                String line = String.format(
                        Locale.ROOT,
                        "views: engine %s, %d clients, fast %.1f/s p99 %.1f ms, fresh %.1f/s p99 %.1f ms,"
                                + " throughput fast/fresh = %.1f",
                        engine,
                        config.viewClients(),
                        fast.get("throughput_per_s").asDouble(),
                        fast.get("p99_ms").asDouble(),
                        fresh.get("throughput_per_s").asDouble(),
                        fresh.get("p99_ms").asDouble(),
                        ratio);
                both.put("line", line);
                JSON.writerWithDefaultPrettyPrinter()
                        .writeValue(out.resolve("views-" + engine + ".json").toFile(), both);
                System.out.println(line);
            }
            return;
        }
        Map<String, Result> results = new LinkedHashMap<>();
        for (String engine : args[1].split(",", -1)) {
            Result r = soak.run(engine, chain);
            write(r, out, args[0]);
            results.put(engine, r);
            System.out.println(r.line());
        }
        ObjectNode summary = JSON.createObjectNode();
        summary.put("profile", args[0]);
        summary.put("blocks", config.count());
        ArrayNode lines = summary.putArray("lines");
        results.values().forEach(r -> lines.add(r.line()));
        JSON.writerWithDefaultPrettyPrinter()
                .writeValue(out.resolve(args[0] + ".json").toFile(), summary);
        boolean ok = results.values().stream().allMatch(r -> r.divergentHeights() == 0 && r.diffEqual());
        System.out.println(ok ? "scale: no divergent height" : "scale: DIVERGENT heights, see " + out);
        System.exit(ok ? 0 : 1);
    }
}
