package dev.jshrew.cli;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.host.Indexer;
import dev.jshrew.host.IndexerHost;
import dev.jshrew.host.RunOptions;
import dev.jshrew.node.chain.ChainSource;
import dev.jshrew.node.sync.Sync;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "diff",
        description = {
            "Report the first block and key where two indexings differ (rockshrew-diff, "
                    + "implemented). Exit 0: no difference; 1: a difference.",
            "Two databases:  diff --db1 DIR --db2 DIR [--from H] [--to H]",
            "Two running nodes' state roots over JSON-RPC:  diff --rpc URL1 URL2 [--from H] [--to H]",
            "Two indexers, or one indexer on two engines, over the same blocks:",
            "                diff --indexer A.wasm [--engine E] [-E K=V] [--indexer2 B.wasm] "
                    + "[--engine2 E2] [--engine2-option K=V]",
            "                     (--blocks PATH | --daemon-rpc-url URL …) [--start-block H] "
                    + "[--exit-at H] [--work-dir DIR]"
        })
final class DiffCommand implements Callable<Integer> {
    private static final Logger LOG = System.getLogger("jshrew.diff");

    @Option(names = "--db1", paramLabel = "DIR", description = "first database (compare two databases)")
    Path db1;

    @Option(names = "--db2", paramLabel = "DIR", description = "second database")
    Path db2;

    @Option(
            names = "--rpc",
            arity = "2",
            paramLabel = "URL",
            description = "two running nodes' JSON-RPC URLs: compare their state roots per height "
                    + "(metashrew_stateroot) and name the first divergent height")
    java.util.List<java.net.URI> rpc;

    @Option(
            names = "--from",
            paramLabel = "H",
            defaultValue = "0",
            description = "first height to compare (databases, --rpc; default ${DEFAULT-VALUE})")
    long from;

    @Option(
            names = "--to",
            paramLabel = "H",
            description = "last height to compare (databases: default the higher tip; --rpc: the lower height)")
    Long to;

    @Option(names = "--indexer", paramLabel = "A.wasm", description = "indexer A")
    Path indexer;

    @Option(names = "--indexer2", paramLabel = "B.wasm", description = "indexer B (default: A)")
    Path indexer2;

    @Option(
            names = "--engine",
            paramLabel = "NAME",
            description = "engine of A (default ${DEFAULT-VALUE}, as --engine of index)")
    String engine;

    @Option(
            names = {"-E", "--engine-option"},
            paramLabel = "KEY=VALUE",
            description = "engine option of A")
    Map<String, String> engineOptions = new LinkedHashMap<>();

    @Option(names = "--engine2", paramLabel = "NAME", description = "engine of B (default: A's)")
    String engine2;

    @Option(
            names = "--engine2-option",
            paramLabel = "KEY=VALUE",
            description = "engine option of B (default: A's when --engine2 is not given)")
    Map<String, String> engine2Options;

    @Option(
            names = "--work-dir",
            paramLabel = "DIR",
            description = "where the two databases are built (kept); default: a temporary directory, deleted")
    Path workDir;

    @Option(
            names = "--memory-commit",
            paramLabel = "SIZE|off",
            defaultValue = "off",
            description = "guest memory each side commits (default ${DEFAULT-VALUE})")
    String memoryCommit;

    @Option(
            names = "--guest-memory-limit",
            paramLabel = "PAGES",
            defaultValue = "65536",
            description = "the most 64 KiB pages a guest may have (default ${DEFAULT-VALUE})")
    int guestMemoryLimit;

    @picocli.CommandLine.Mixin
    NodeArgs node;

    @Override
    public Integer call() throws Exception {
        if (rpc != null) {
            return rpcs();
        }
        boolean databases = db1 != null || db2 != null;
        if (databases == (indexer != null)) {
            throw new JshrewException(ErrorCode.INPUT, "give either --db1 and --db2, or --indexer with a block source");
        }
        Diff.Result result = databases ? databases() : indexers();
        if (result.difference().isPresent()) {
            System.out.println(result.difference().get().describe());
            return 1;
        }
        System.out.println("no difference in " + result.blocks() + " block(s)"
                + (result.note() == null ? "" : "; " + result.note()));
        return 0;
    }

    private int rpcs() {
        if (db1 != null || db2 != null || indexer != null) {
            throw new JshrewException(ErrorCode.INPUT, "--rpc compares two nodes: no --db1/--db2 or --indexer with it");
        }
        RpcDiff diff = new RpcDiff(rpc.get(0), rpc.get(1));
        RpcDiff.Result result = diff.run(from, to);
        LOG.log(Level.DEBUG, "diff --rpc: {0} JSON-RPC calls", diff.calls());
        if (result.divergence().isPresent()) {
            RpcDiff.Divergence d = result.divergence().get();
            System.out.println("state roots differ first at height " + d.height() + ": " + d.root1() + " at "
                    + rpc.get(0) + ", " + d.root2() + " at " + rpc.get(1));
            return 1;
        }
        System.out.println("no difference in heights " + result.from() + "…" + result.to() + " (heights: "
                + result.tip1() + " at " + rpc.get(0) + ", " + result.tip2() + " at " + rpc.get(1) + ")");
        return 0;
    }

    private Diff.Result databases() {
        if (db1 == null || db2 == null) {
            throw new JshrewException(ErrorCode.INPUT, "--db1 and --db2 go together");
        }
        // Read-only: a missing or foreign directory is a STORAGE error, and nothing in either is written.
        try (KeyValueStore a = EngineArgs.openStoreReadOnly(db1);
                KeyValueStore b = EngineArgs.openStoreReadOnly(db2)) {
            long last = to != null ? to : Math.max(a.tip().orElse(-1), b.tip().orElse(-1));
            return Diff.stores(a, b, from, last);
        }
    }

    private Diff.Result indexers() throws Exception {
        ChainSource source = node.source();
        EngineArgs argsA = engineArgs(indexer, engine, engineOptions);
        EngineArgs argsB = engineArgs(
                indexer2 != null ? indexer2 : indexer,
                engine2 != null ? engine2 : engine,
                engine2Options != null ? engine2Options : engine2 == null ? engineOptions : Map.of());
        RunOptions options = argsA.runOptions();
        boolean temporary = workDir == null;
        Path dir = temporary ? Files.createTempDirectory("jshrew-diff") : Files.createDirectories(workDir);
        argsA.db = dir.resolve("a");
        argsB.db = dir.resolve("b");
        try (IndexerHost a = argsA.openHost(options);
                IndexerHost b = argsB.openHost(options)) {
            KeyValueStore sa = a.store();
            KeyValueStore sb = b.store();
            Indexer ia = a.newIndexer(System.err::print);
            Indexer ib = b.newIndexer(System.err::print);
            long start = Sync.startHeight(Math.max(sa.tip().orElse(-1), sb.tip().orElse(-1)), node.startBlock);
            LOG.log(
                    Level.INFO,
                    "diff: A = {0} on {1}, B = {2} on {3}, from height {4}, databases in {5}",
                    argsA.indexer,
                    a.engine().name(),
                    argsB.indexer,
                    b.engine().name(),
                    start,
                    dir);
            return Diff.run(
                    source,
                    start,
                    node.exitAt == null ? Long.MAX_VALUE : node.exitAt,
                    ia,
                    sa,
                    ib,
                    sb,
                    h -> LOG.log(Level.DEBUG, "diff: height {0} equal", h));
        } finally {
            if (temporary) {
                delete(dir);
            }
        }
    }

    private EngineArgs engineArgs(Path module, String engineName, Map<String, String> options) {
        EngineArgs e = new EngineArgs();
        e.indexer = module;
        e.engine = engineName;
        e.engineOptions = new LinkedHashMap<>(options);
        e.memoryCommit = memoryCommit;
        e.reset = "fast";
        e.guestMemoryLimit = guestMemoryLimit;
        return e;
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not delete {0}: {1}", dir, e.toString());
        }
    }
}
