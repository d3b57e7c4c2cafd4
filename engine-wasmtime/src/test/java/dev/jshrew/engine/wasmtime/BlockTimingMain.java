package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.api.memory.MemorySize;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.host.BlockResult;
import dev.jshrew.host.EngineRegistry;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.Indexer;
import dev.jshrew.host.ResetMode;
import dev.jshrew.host.RunOptions;
import dev.jshrew.memory.CommittedMemoryProvider;
import dev.jshrew.tck.Fixtures;
import dev.jshrew.tck.Harness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per-block guest time ({@code _start}, as the CLI's {@code run} column) of the spendables indexer over the real
 * blocks of {@code ../shared/data/blocks}, for one engine, several rounds in one JVM (a new database and indexer
 * each round, the compiled module kept), so the first round shows the cold (JIT warm-up) case and the later rounds
 * the steady state. Not a test: run it by hand, once per engine.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Xmx1g -cp
 * "cli/target/jshrew.jar:engine-wasmtime/target/test-classes:tck/target/classes" \
 *   -Djshrew.shared.dir=../shared dev.jshrew.engine.wasmtime.BlockTimingMain wasmtime 5 fast 256m   # ENGINE ROUNDS
 * RESET COMMIT
 * </pre>
 */
public final class BlockTimingMain {
    private BlockTimingMain() {}

    public static void main(String[] args) throws IOException {
        String engineName = args[0];
        int rounds = Integer.parseInt(args[1]);
        ResetMode reset = ResetMode.valueOf(args[2].toUpperCase(Locale.ROOT));
        long commit = MemorySize.parse(args[3]);
        var blocks = Fixtures.realBlocks();
        byte[] wasm = Fixtures.guest("spendables/spendables.wasm");
        Map<Long, List<Double>> runMs = new LinkedHashMap<>();
        Map<Long, List<Double>> resetMs = new LinkedHashMap<>();
        try (WasmEngine engine = EngineRegistry.load().create(engineName, Map.of(), new CommittedMemoryProvider())) {
            CompiledModule module = engine.compile("spendables.wasm", wasm);
            for (int round = 0; round < rounds; round++) {
                Path db = Files.createTempDirectory("jshrew-blocktiming");
                try (KeyValueStore store = Harness.rocksdb().open(db, Map.of());
                        Indexer indexer = new Indexer(
                                module, Hashes.sha256(wasm), store, new RunOptions(65536, commit, reset), s -> {})) {
                    for (var block : blocks.values()) {
                        BlockResult r = indexer.indexBlock(block.height(), block.bytes());
                        runMs.computeIfAbsent(block.height(), h -> new ArrayList<>())
                                .add(r.runNanos() / 1e6);
                        resetMs.computeIfAbsent(block.height(), h -> new ArrayList<>())
                                .add(r.resetNanos() / 1e6);
                    }
                } finally {
                    deleteTree(db);
                }
            }
        }
        double first = 0;
        double steady = 0;
        System.out.printf(
                Locale.ROOT,
                "%s, reset %s, %d rounds: per block run ms (round 1 | median of rounds 2..%d), "
                        + "reset ms (median of rounds 2..)%n",
                engineName,
                reset,
                rounds,
                rounds);
        for (var e : runMs.entrySet()) {
            List<Double> v = e.getValue();
            double m = median(v.subList(1, v.size()));
            first += v.get(0);
            steady += m;
            List<Double> rs = resetMs.get(e.getKey());
            System.out.printf(
                    Locale.ROOT,
                    "  %7d  %8.1f | %8.1f   reset %6.2f%n",
                    e.getKey(),
                    v.get(0),
                    m,
                    median(rs.subList(1, rs.size())));
        }
        System.out.printf(Locale.ROOT, "  total    %8.1f | %8.1f%n", first, steady);
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v.length == 0 ? Double.NaN : v[v.length / 2];
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
