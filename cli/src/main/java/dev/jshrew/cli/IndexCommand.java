package dev.jshrew.cli;

import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.host.BlockResult;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.Indexer;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "index", description = "Index block files into the database, in ascending height; heights already indexed are skipped.")
final class IndexCommand implements Callable<Integer> {
    private static final Logger LOG = System.getLogger("jshrew.index");

    @Mixin
    EngineArgs args;

    @Option(names = "--blocks", required = true, paramLabel = "PATH", description = "a block file (hex or raw; height = last digits of its name) or a directory of them; repeatable")
    List<Path> blocks;

    @Option(names = "--exit-at", paramLabel = "H", description = "index only heights below H, then exit")
    Long exitAt;

    @Override
    public Integer call() {
        NavigableMap<Long, Path> files = BlockFiles.scan(blocks);
        if (exitAt != null) {
            files = files.headMap(exitAt, false);
        }
        var options = args.runOptions();
        byte[] bytes = args.moduleBytes();
        try (WasmEngine engine = args.createEngine();
             KeyValueStore store = EngineArgs.openStore(args.db)) {
            CompiledModule module = args.compile(engine, bytes);
            long tip = store.tip().orElse(-1);
            NavigableMap<Long, Path> todo = files.tailMap(tip, false);
            LOG.log(Level.INFO, "{0} block file(s), {1} to index (database tip: {2}), engine {3}, reset {4}",
                    files.size(), todo.size(), tip < 0 ? "empty" : tip, engine.name(), options.reset().name().toLowerCase(Locale.ROOT));
            int done = 0;
            long started = System.nanoTime();
            try (Indexer indexer = new Indexer(engine.name(), module, EngineArgs.sha256(bytes), store, options, System.err::print)) {
                for (Map.Entry<Long, Path> e : todo.entrySet()) {
                    byte[] block = BlockFiles.read(e.getValue(), e.getKey());
                    BlockResult r = indexer.indexBlock(e.getKey(), block);
                    done++;
                    LOG.log(Level.INFO, String.format(Locale.ROOT, "indexed %d %s: %d keys, run %.1f ms, reset %.1f ms, commit %.1f ms, memory %d pages",
                            r.height(), Hashes.hex(r.blockHash()), r.pairs(), r.runNanos() / 1e6, r.resetNanos() / 1e6,
                            r.commitNanos() / 1e6, r.highWaterPages()));
                }
            }
            LOG.log(Level.INFO, String.format(Locale.ROOT, "indexed %d block(s) in %.2f s; tip %s", done,
                    (System.nanoTime() - started) / 1e9, store.tip().isPresent() ? store.tip().getAsLong() : "none"));
        }
        return 0;
    }
}
