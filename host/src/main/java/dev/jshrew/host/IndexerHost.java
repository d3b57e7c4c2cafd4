package dev.jshrew.host;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.api.memory.LinearMemoryProvider;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.api.storage.StorageProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * One indexer wired up: an engine (found by name), the indexer module compiled on it, a store, and the run options —
 * what the CLI's commands, the conformance kit and the benchmarks each need before they index a block or call a view.
 * It hands out {@link Indexer}s and {@link ViewRunner}s over that module and store, and closes, in reverse order,
 * every runner it handed out, the store and the engine. Not thread-safe; the runners it makes follow their own rules.
 *
 * <pre>{@code
 * try (IndexerHost host = IndexerHost.builder().engine("wasmtime", Map.of(), memoryProvider)
 *         .module("indexer.wasm", bytes).store(Path.of("/data/db")).runOptions(RunOptions.defaults()).open()) {
 *     Indexer indexer = host.newIndexer(System.err::print);
 *     indexer.indexBlock(height, block);
 * }
 * }</pre>
 */
public final class IndexerHost implements AutoCloseable {
    private final WasmEngine engine;
    private final KeyValueStore store;
    private final CompiledModule module;
    private final byte[] moduleSha256;
    private final RunOptions options;
    private final List<AutoCloseable> runners = new ArrayList<>();
    private volatile boolean upgradePending;

    private IndexerHost(
            WasmEngine engine, KeyValueStore store, CompiledModule module, byte[] moduleSha256, RunOptions options) {
        this.engine = engine;
        this.store = store;
        this.module = module;
        this.moduleSha256 = moduleSha256;
        this.options = options;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** An indexer over this host's module and store; closed with the host (or earlier by the caller). */
    public Indexer newIndexer(Consumer<String> guestLog) {
        return newIndexer(guestLog, OptionalLong.empty());
    }

    /**
     * An indexer that, with {@code upgradeAt} ({@code --upgrade-indexer-at H}), replaces the store's pinned module
     * by this host's from height H: see {@link Indexer#Indexer(CompiledModule, byte[], KeyValueStore, RunOptions,
     * Consumer, OptionalLong, boolean)}. View runners made afterwards accept this module while its upgrade is pending.
     */
    public Indexer newIndexer(Consumer<String> guestLog, OptionalLong upgradeAt) {
        return newIndexer(guestLog, upgradeAt, false);
    }

    /**
     * As {@link #newIndexer(Consumer, OptionalLong)}, with each block's commit written while the next block runs
     * when {@code overlapCommits} (see {@link Indexer}).
     */
    public Indexer newIndexer(Consumer<String> guestLog, OptionalLong upgradeAt, boolean overlapCommits) {
        Indexer indexer = track(new Indexer(module, moduleSha256, store, options, guestLog, upgradeAt, overlapCommits));
        upgradePending = upgradeAt.isPresent();
        return indexer;
    }

    /**
     * A view runner over this host's module and store; closed with the host (or earlier by the caller). Its views
     * answer only at heights this module indexed (or indexes) by the store's {@link IndexerHistory}: after an
     * upgrade at H the new module answers from H on and the old one below H; any other height is refused.
     *
     * @throws dev.jshrew.api.JshrewException {@link dev.jshrew.api.ErrorCode#INPUT} when the store was indexed by
     *     another module (one its history does not hold, unless {@link #newIndexer(Consumer, OptionalLong)} upgrades
     *     to this one) or with another guest memory limit
     */
    public ViewRunner newViewRunner(Consumer<String> guestLog) {
        ViewRunner runner = new ViewRunner(module, store, options, guestLog, this::checkViewHeight);
        try {
            if (!upgradePending) {
                IndexerHistory.of(store).ifPresent(history -> {
                    if (history.heightsOf(moduleSha256).isEmpty()) {
                        Indexer.checkIndexerPin(store, module.name(), moduleSha256, OptionalLong.empty());
                    }
                });
            }
            Indexer.checkMemoryLimit(store, runner.memoryLimitPages());
        } catch (RuntimeException e) {
            closeQuietly(runner, e);
            throw e;
        }
        return track(runner);
    }

    /** Refuses a view at {@code height} that this module did not index (by the store's indexer history). */
    private void checkViewHeight(long height) {
        Optional<IndexerHistory> found = IndexerHistory.of(store);
        if (found.isEmpty()) {
            return;
        }
        IndexerHistory history = found.get();
        IndexerHistory.Entry owner = history.at(height);
        if (Arrays.equals(owner.sha256(), moduleSha256)) {
            return;
        }
        Optional<long[]> range = history.heightsOf(moduleSha256);
        if (range.isEmpty() && !upgradePending) {
            Indexer.checkIndexerPin(store, module.name(), moduleSha256, OptionalLong.empty());
        }
        throw new JshrewException(
                ErrorCode.INPUT,
                "height " + height + " was indexed by the indexer module with sha256 " + owner.sha256Hex() + ", not "
                        + module.name() + " (sha256 " + Hashes.hex(moduleSha256) + ")"
                        + range.map(r -> ", which indexed heights " + r[0]
                                        + (r[1] == Long.MAX_VALUE ? " and up" : "…" + r[1]))
                                .orElse(", whose upgrade has not reached its first block yet")
                        + ": a view runs on the module that indexed its height");
    }

    private synchronized <T extends AutoCloseable> T track(T runner) {
        runners.add(runner);
        return runner;
    }

    public WasmEngine engine() {
        return engine;
    }

    public CompiledModule module() {
        return module;
    }

    public KeyValueStore store() {
        return store;
    }

    /** SHA-256 of the module's bytes: the indexer's identity, pinned in the database. */
    public byte[] moduleSha256() {
        return moduleSha256.clone();
    }

    public RunOptions runOptions() {
        return options;
    }

    /** Closes every runner handed out (newest first), then the store, then the engine. Idempotent. */
    @Override
    public void close() {
        List<AutoCloseable> open;
        synchronized (this) {
            open = new ArrayList<>(runners);
            runners.clear();
        }
        RuntimeException failure = null;
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                failure = chain(failure, e);
            }
        }
        try (engine;
                store) {
            // closes the store, then the engine
        } catch (RuntimeException e) {
            failure = chain(failure, e);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Closes {@code resource} (if any) after {@code failure}, keeping a failure of the close as suppressed. */
    private static void closeQuietly(AutoCloseable resource, RuntimeException failure) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (Exception suppressed) {
            failure.addSuppressed(suppressed);
        }
    }

    private static RuntimeException chain(RuntimeException first, Exception next) {
        RuntimeException r = next instanceof RuntimeException re ? re : new IllegalStateException(next);
        if (first == null) {
            return r;
        }
        first.addSuppressed(r);
        return first;
    }

    /**
     * What to wire. Engine, memory provider, module and store are required; run options default to {@link
     * RunOptions#defaults()}.
     */
    public static final class Builder {
        private String engineName;
        private Map<String, String> engineOptions = Map.of();
        private LinearMemoryProvider memory;
        private EngineRegistry registry;
        private String moduleName;
        private byte[] wasm;
        private Path db;
        private KeyValueStore openStore;
        private StorageProvider.Access access = StorageProvider.Access.READ_WRITE;
        private Map<String, String> storageOptions = Map.of();
        private RunOptions options = RunOptions.defaults();
        private String label;

        private Builder() {}

        /**
         * The engine, by name ({@code null}: the only one installed), with its options and the guest-memory provider.
         */
        public Builder engine(String name, Map<String, String> options, LinearMemoryProvider memoryProvider) {
            this.engineName = name;
            this.engineOptions = new LinkedHashMap<>(options);
            this.memory = Objects.requireNonNull(memoryProvider, "memoryProvider");
            return this;
        }

        /** Where engines are looked up (default: {@link EngineRegistry#load()}). */
        public Builder registry(EngineRegistry registry) {
            this.registry = registry;
            return this;
        }

        /** The indexer module: a name for messages (typically the file name) and its bytes. */
        public Builder module(String name, byte[] bytes) {
            this.moduleName = Objects.requireNonNull(name, "name");
            this.wasm = bytes.clone();
            return this;
        }

        /**
         * The database directory, opened for writing with the default storage provider ({@link Storages#DEFAULT}):
         * created in a missing or empty directory.
         */
        public Builder store(Path directory) {
            return store(directory, StorageProvider.Access.READ_WRITE);
        }

        /**
         * The database directory, opened with the default storage provider as {@code access} says ({@code
         * READ_ONLY} for a host that only runs views: nothing in the directory is created, changed or deleted).
         */
        public Builder store(Path directory, StorageProvider.Access access) {
            this.db = Objects.requireNonNull(directory, "directory");
            this.access = Objects.requireNonNull(access, "access");
            this.openStore = null;
            return this;
        }

        /**
         * Options of the default storage provider for the directory given to {@link #store(Path)} (for RocksDB the
         * keys of its README's table, e.g. {@code block-cache-mb}); empty (the default) for its defaults. An unknown
         * key or a bad value fails {@link #open()} with {@code INPUT}.
         */
        public Builder storageOptions(Map<String, String> options) {
            this.storageOptions = Map.copyOf(options);
            return this;
        }

        /** A store the caller opened; the host closes it. */
        public Builder store(KeyValueStore store) {
            this.openStore = store;
            this.db = null;
            return this;
        }

        /**
         * rockshrew-mono's {@code --label}: the guest's keys live under {@code label://} ({@link LabeledStore}); null
         * (the default) for none. {@link #open()} refuses a store indexed with another label, or without one.
         */
        public Builder label(String label) {
            if (label != null) {
                LabeledStore.validate(label);
            }
            this.label = label;
            return this;
        }

        public Builder runOptions(RunOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Starts the engine, opens the store (checks its label) and compiles the module, in that order; on failure
         * closes what it opened.
         *
         * @throws dev.jshrew.api.JshrewException as the engine, the store or the compiler report it
         */
        public IndexerHost open() {
            Objects.requireNonNull(memory, "engine(...) not set");
            Objects.requireNonNull(wasm, "module(...) not set");
            if (db == null && openStore == null) {
                throw new NullPointerException("store(...) not set");
            }
            EngineRegistry engines = registry != null ? registry : EngineRegistry.load();
            WasmEngine engine = engines.create(engineName, engineOptions, memory);
            KeyValueStore store = openStore;
            try {
                if (store == null) {
                    store = Storages.open(db, storageOptions, access);
                }
                LabeledStore.check(store, label);
                if (label != null) {
                    store = new LabeledStore(store, label);
                }
                CompiledModule module = engine.compile(moduleName, wasm);
                return new IndexerHost(engine, store, module, Hashes.sha256(wasm), options);
            } catch (RuntimeException e) {
                closeQuietly(store, e);
                closeQuietly(engine, e);
                throw e;
            }
        }
    }
}
