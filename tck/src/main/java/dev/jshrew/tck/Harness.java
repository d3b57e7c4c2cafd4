package dev.jshrew.tck;

import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.api.storage.StorageProvider;
import dev.jshrew.host.BlockResult;
import dev.jshrew.host.Indexer;
import dev.jshrew.host.IndexerHost;
import dev.jshrew.host.ResetMode;
import dev.jshrew.host.RunOptions;
import dev.jshrew.host.Storages;
import dev.jshrew.host.ViewRunner;
import dev.jshrew.memory.CommittedMemoryProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One engine, one module, one RocksDB store in a temporary directory, an indexer and a view runner: what a test
 * needs to drive the host end to end. Closes everything in reverse order.
 */
public final class Harness implements AutoCloseable {
    /** Commit size for unit tests: small, so tests never hold gigabytes (the 4 GiB commit has tests of its own). */
    public static final long TEST_COMMIT_BYTES = 8L << 20;

    private final IndexerHost host;
    private final Indexer indexer;
    private final ViewRunner views;
    private final List<String> logs = new CopyOnWriteArrayList<>();
    private final Path db;

    public Harness(String engineName, Map<String, String> engineOptions, String guest, Path db, RunOptions options) {
        this(engineName, engineOptions, guest, db, options, false);
    }

    /** With {@code overlapCommits}, each block's commit is written while the next block runs (the node's way). */
    public Harness(
            String engineName,
            Map<String, String> engineOptions,
            String guest,
            Path db,
            RunOptions options,
            boolean overlapCommits) {
        this.db = db;
        this.host = IndexerHost.builder()
                .engine(engineName, engineOptions, new CommittedMemoryProvider())
                .module(guest, Fixtures.guest(guest))
                .store(db)
                .runOptions(options)
                .open();
        try {
            this.indexer = host.newIndexer(logs::add, java.util.OptionalLong.empty(), overlapCommits);
            this.views = host.newViewRunner(logs::add);
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
    }

    /** The RocksDB storage provider, found as the CLI finds it. */
    public static StorageProvider rocksdb() {
        return Storages.find(Storages.DEFAULT);
    }

    /** Small committed memory, fast reset, the default 4 GiB guest limit. */
    public static RunOptions testOptions(ResetMode reset) {
        return new RunOptions(65536, TEST_COMMIT_BYTES, reset);
    }

    /** Waits (at most a minute) until the indexer's key filter holds the stored keys; false when it keeps none. */
    public boolean awaitKeyFilter() {
        try {
            return indexer.awaitKeyFilter(java.time.Duration.ofMinutes(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public BlockResult index(long height, byte[] block) {
        return indexer.indexBlock(height, block);
    }

    public byte[] view(String function, byte[] input, long height) {
        return views.view(function, input, height);
    }

    public byte[] get(String key, long height) {
        return host.store().get(key.getBytes(StandardCharsets.UTF_8), height);
    }

    public KeyValueStore store() {
        return host.store();
    }

    public CompiledModule module() {
        return host.module();
    }

    public WasmEngine engine() {
        return host.engine();
    }

    public Indexer indexer() {
        return indexer;
    }

    public List<String> logs() {
        return logs;
    }

    public Path db() {
        return db;
    }

    @Override
    public void close() {
        host.close(); // the view runner, the indexer, the store, the engine
    }
}
