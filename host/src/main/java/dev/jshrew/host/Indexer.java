package dev.jshrew.host;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.EngineCapability;
import dev.jshrew.api.engine.InstanceOptions;
import dev.jshrew.api.engine.KeyFilter;
import dev.jshrew.api.storage.BlockCommit;
import dev.jshrew.api.storage.ChainIndex;
import dev.jshrew.api.storage.HeightReader;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.host.abi.BlockWrites;
import dev.jshrew.host.abi.StateReader;
import dev.jshrew.host.bitcoin.BlockHeader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Runs blocks through an indexer module and commits each successful block atomically (METASHREW-ABI §1.6, with
 * the Java rules: a trap, {@code abort}, a malformed flush or no flush at all commits nothing). Everything that
 * belongs to a height goes in its one {@link BlockCommit}: the writes, hash, state root and, with the first block
 * of a store, the metadata (indexer SHA-256, guest memory limit, first height); nothing is written outside it.
 * Reads during block H see the state as of H-1 (at H=0, the block's own flushed pairs first). Confined to one
 * thread; the caller owns the engine, module and store, and closes this runner.
 *
 * <p><b>Overlapped commits</b> ({@link #Indexer(CompiledModule, byte[], KeyValueStore, RunOptions, Consumer,
 * OptionalLong, boolean)} with {@code overlapCommits}): the commit of block N is written by a committer thread while
 * block N+1 runs. Block N+1 reads N's writes from memory (over the store as of N-1), so it sees exactly what it would
 * see after N's commit; N+1's commit is handed over only once N's is durable, so the store's tip still advances one
 * whole block at a time and a crash at any moment leaves the last durable block, as without overlap. The store's tip
 * may therefore lag the last block {@link #indexBlock} returned by one, until the next block or {@link
 * #awaitCommitted()}; a block that writes metadata (the first of a store, an upgrade) is awaited before the next one
 * runs. A failed block awaits the commit in flight before it throws, so the store is settled when the caller handles
 * the failure; a failed commit is thrown by the next call ({@code indexBlock}, {@link #awaitCommitted()} or {@link
 * #close()}), in place of a failure of the block that call ran.
 */
public final class Indexer implements AutoCloseable {
    /** Store metadata: SHA-256 of the indexer module the database was built with. */
    public static final String META_INDEXER = "indexer.sha256";
    /** Store metadata: the guest memory limit (pages) the database was built with. */
    public static final String META_MEMORY_LIMIT = "guest.memory-limit-pages";

    private static final System.Logger LOG = System.getLogger("jshrew.indexer");

    private final CompiledModule module;
    private final KeyValueStore store;
    private final InstanceSlot slot;
    /** The keys the store holds, for an engine with {@link EngineCapability#KEY_FILTER}; or null. */
    private final KeyFilter keyFilter;
    /** Adds the stored keys to {@link #keyFilter} ({@link #fillKeyFilter}); null without a filter. */
    private final Thread keyFilterFill;
    /** The values of keys read or written lately ({@link RunOptions#readCacheBytes()}), or null. */
    private final ReadCache readCache;
    /** Set by {@link #close()}: the fill stops at its next key. */
    private volatile boolean closing;

    private final byte[] moduleSha256;
    private final OptionalLong upgradeAt;
    /** The committer thread with overlapped commits, else null. */
    private final ExecutorService committer;
    /** The block whose commit is in flight on the committer (overlapped commits only), or null. */
    private Pending pending;

    /** Told of each block once it is durable (see {@link #onCommitted}). */
    private Consumer<BlockResult> committed = result -> {};

    /**
     * A block handed to the committer: what the next block needs of it before it is durable (its writes, found by
     * hash), and the commit task, which gives the block's state root once durable.
     */
    private record Pending(
            long height, byte[] blockHash, boolean hasMeta, BlockWrites writes, Future<Committed> done) {}

    /** What a commit task gives: the block's state root, and what the listener threw (the block is durable). */
    private record Committed(byte[] stateRoot, RuntimeException listenerFailure) {}

    /**
     * @param moduleSha256 SHA-256 of the module bytes: recorded in the store at the first block, and checked
     *     afterwards so a database is never extended by another indexer
     */
    public Indexer(
            CompiledModule module,
            byte[] moduleSha256,
            KeyValueStore store,
            RunOptions options,
            Consumer<String> guestLog) {
        this(module, moduleSha256, store, options, guestLog, OptionalLong.empty(), false);
    }

    /**
     * @param upgradeAt {@code --upgrade-indexer-at H}: this module replaces the pinned one from height H. A store
     *     beyond H-1 is rolled back to H-1 here (one atomic batch), and the block committed at H (or the first one
     *     above it) records the upgrade in the {@link IndexerHistory} and the pin, in its own commit. Nothing happens
     *     when the store already runs this module
     * @param overlapCommits write each block's commit on a committer thread while the next block runs (see the
     *     class comment); false: {@link #indexBlock} returns once its block is durable
     */
    public Indexer(
            CompiledModule module,
            byte[] moduleSha256,
            KeyValueStore store,
            RunOptions options,
            Consumer<String> guestLog,
            OptionalLong upgradeAt,
            boolean overlapCommits) {
        upgradeAt.ifPresent(h -> {
            if (h < 1 || h > 0xFFFF_FFFFL) {
                throw new JshrewException(ErrorCode.INPUT, "--upgrade-indexer-at must be 1…2^32-1, not " + h);
            }
        });
        this.upgradeAt = upgradeAt;
        this.module = module;
        this.store = store;
        this.moduleSha256 = moduleSha256.clone();
        InstanceSlot.startProblem(module).ifPresent(problem -> {
            throw new JshrewException(
                    ErrorCode.LINK, "engine " + module.engine().name() + ", module " + module.name() + ": " + problem);
        });
        int keyFilterLog2Words = options.keyFilterLog2Words();
        this.keyFilter = keyFilterLog2Words >= 0
                        && options.commitBytes() > 0
                        && module.engine().capabilities().contains(EngineCapability.KEY_FILTER)
                ? new KeyFilter(keyFilterLog2Words)
                : null;
        if (keyFilter != null) {
            keyFilter.incomplete(); // off until the fill below has added every stored key
        }
        int valueTableLog2Slots = options.valueTableLog2Slots();
        dev.jshrew.api.engine.ValueTable valueTable = keyFilter != null
                        && valueTableLog2Slots >= 0
                        && module.engine().capabilities().contains(EngineCapability.VALUE_TABLE)
                ? new dev.jshrew.api.engine.ValueTable(valueTableLog2Slots)
                : null;
        this.slot = new InstanceSlot(
                module,
                options,
                InstanceOptions.Workload.BLOCKS,
                java.time.Duration.ZERO,
                0,
                guestLog,
                keyFilter,
                valueTable);
        this.readCache = options.readCacheBytes() > 0 ? new ReadCache(options.readCacheBytes(), valueTable) : null;
        try {
            checkIndexerPin(store, module.name(), this.moduleSha256, upgradeAt);
            checkMemoryLimit(store, slot.memoryLimitPages());
            upgradeAt.ifPresent(this::prepareUpgrade);
        } catch (RuntimeException e) {
            slot.close();
            throw e;
        }
        this.keyFilterFill = keyFilter == null
                ? null
                : Thread.ofPlatform().name("jshrew-key-filter").daemon().start(this::fillKeyFilter);
        this.committer = overlapCommits
                ? Executors.newSingleThreadExecutor(
                        Thread.ofPlatform().name("jshrew-commit").daemon().factory())
                : null;
    }

    /**
     * Adds every key the store holds to the key filter, on its own thread while blocks run (one pass over them; the
     * blocks' own keys are added as they run), then switches it on. Its size is fixed: past 16 bits a key its false
     * positives grow, and it stays correct. The filter stays off when the store cannot list its keys, the pass
     * fails, or the indexer closes first.
     */
    private void fillKeyFilter() {
        long start = System.nanoTime();
        long[] keys = {0};
        try {
            boolean listed = store.forEachKey(k -> {
                if (closing) {
                    throw new java.util.concurrent.CancellationException("the indexer is closing");
                }
                keyFilter.add(k);
                keys[0]++;
            });
            if (!listed) {
                LOG.log(System.Logger.Level.INFO, "key filter: none (the store cannot list its keys)");
                return;
            }
            keyFilter.complete();
            LOG.log(
                    System.Logger.Level.INFO,
                    "key filter: {0} KiB, {1} stored keys added in {2} ms ({3} bits a key)",
                    Long.toString((long) keyFilter.words() >> 7),
                    Long.toString(keys[0]),
                    Long.toString((System.nanoTime() - start) / 1_000_000),
                    keys[0] == 0 ? "-" : Long.toString(64L * keyFilter.words() / keys[0]));
        } catch (java.util.concurrent.CancellationException e) {
            // closed before the pass ended: nothing to do
        } catch (RuntimeException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "key filter: left off, every read goes to the store (listing the stored keys failed: {0})",
                    e.toString());
        }
    }

    /**
     * Waits until the key filter holds every stored key and answers (for tests and benchmarks that measure it).
     *
     * @return true once it answers; false when this indexer keeps none, or it is still off after {@code timeout}
     */
    public boolean awaitKeyFilter(java.time.Duration timeout) throws InterruptedException {
        if (keyFilterFill == null) {
            return false;
        }
        keyFilterFill.join(timeout);
        return keyFilter.isComplete();
    }

    /** Rolls a store that runs another module back to {@code height - 1} if it is beyond that (one batch). */
    private void prepareUpgrade(long height) {
        Optional<IndexerHistory> history = IndexerHistory.of(store);
        if (history.isEmpty() || Arrays.equals(history.get().current().sha256(), moduleSha256)) {
            LOG.log(
                    System.Logger.Level.INFO,
                    "--upgrade-indexer-at {0}: the database already runs {1} (sha256 {2}); nothing to upgrade",
                    Long.toString(height),
                    module.name(),
                    Hashes.hex(moduleSha256));
            return;
        }
        long tip = store.tip().orElse(-1);
        if (tip >= height) {
            LOG.log(
                    System.Logger.Level.INFO,
                    "--upgrade-indexer-at {0}: rolling back from {1} to {2} (heights {0}…{1} are re-indexed by {3})",
                    Long.toString(height),
                    Long.toString(tip),
                    Long.toString(height - 1),
                    module.name());
            store.rollbackTo(height - 1);
            CrashPoint.reach("upgraded-rollback", height);
        }
        LOG.log(
                System.Logger.Level.INFO,
                "--upgrade-indexer-at {0}: {1} (sha256 {2}) takes over from sha256 {3} with block {0}",
                height,
                module.name(),
                Hashes.hex(moduleSha256),
                history.get().current().sha256Hex());
    }

    /**
     * Refuses a store pinned to another indexer module unless {@code upgradeAt} is given; a store without a pin
     * passes.
     *
     * @throws JshrewException {@link ErrorCode#INPUT} naming both SHA-256s and {@code --upgrade-indexer-at}
     */
    static void checkIndexerPin(ChainIndex store, String moduleName, byte[] moduleSha256, OptionalLong upgradeAt) {
        Optional<IndexerHistory> history = IndexerHistory.of(store);
        if (history.isEmpty() || upgradeAt.isPresent()) {
            return;
        }
        byte[] pinned = history.get().current().sha256();
        if (!Arrays.equals(pinned, moduleSha256)) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    "the database was indexed with another indexer module (sha256 " + Hashes.hex(pinned)
                            + " since height " + history.get().current().height() + "), not " + moduleName
                            + " (sha256 " + Hashes.hex(moduleSha256) + "); to switch to it from height H, give "
                            + "--upgrade-indexer-at H (the database is rolled back to H-1 first)");
        }
    }

    /** Refuses a store built with another guest memory limit. */
    static void checkMemoryLimit(ChainIndex store, int memoryLimitPages) {
        byte[] limit = Integer.toString(memoryLimitPages).getBytes(StandardCharsets.US_ASCII);
        store.meta(META_MEMORY_LIMIT).ifPresent(recorded -> {
            if (!Arrays.equals(recorded, limit)) {
                throw new JshrewException(
                        ErrorCode.INPUT,
                        "the database was indexed with a guest memory limit of "
                                + new String(recorded, StandardCharsets.US_ASCII) + " pages, not "
                                + memoryLimitPages
                                + ": the limit is part of the indexer's deterministic configuration");
            }
        });
    }

    /** Memory figures of the indexing instance (committed bytes, pages), for metrics. */
    public dev.jshrew.api.engine.MemoryStats memoryStats() {
        return slot.current().memoryStats();
    }

    /** The effective guest memory limit in pages. */
    public int memoryLimitPages() {
        return slot.memoryLimitPages();
    }

    /**
     * Runs one block and commits it (with overlapped commits: hands its commit to the committer thread once the
     * previous block's is durable).
     *
     * @return what the block did; with overlapped commits its {@code commitNanos} is the time this call spent on the
     *     commit: the state root, waiting for the previous block's commit and the hand-over
     * @throws GuestCallException when the block fails; nothing of it is committed and the store is unchanged (a
     *     commit in flight is awaited first)
     * @throws JshrewException when the previous block's overlapped commit failed: nothing of this block is committed
     */
    public BlockResult indexBlock(long height, byte[] block) {
        return index(height, block, true);
    }

    /**
     * Runs one block and commits it, as {@link #indexBlock} does, but with overlapped commits the block's state root
     * is made on the committer thread too: sorting the block's writes and hashing them in key order then overlap the
     * next block's run. What the block did is told to the {@link #onCommitted} listener once it is durable (its
     * {@code commitNanos}: this call's wait for the previous block's commit and the hand-over). A node that follows
     * a chain calls this; without overlapped commits it is {@link #indexBlock}.
     *
     * @throws GuestCallException when the block fails; nothing of it is committed and the store is unchanged (a
     *     commit in flight is awaited first)
     * @throws JshrewException when the previous block's overlapped commit failed: nothing of this block is committed
     */
    public void submitBlock(long height, byte[] block) {
        index(height, block, false);
    }

    /** {@link #indexBlock} ({@code rootHere}: the state root made by this thread) or {@link #submitBlock}. */
    private BlockResult index(long height, byte[] block, boolean rootHere) {
        if (height < 0 || height > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("height out of u32 range: " + height);
        }
        Pending previous = pending;
        if (previous != null && (previous.height() != height - 1 || previous.hasMeta())) {
            awaitCommitted();
            previous = null;
        }
        if (block.length < BlockHeader.SIZE) {
            GuestCallException e = slot.failure(
                    ErrorCode.INPUT,
                    GuestCallException.Stage.START,
                    height,
                    "block has " + block.length + " bytes, fewer than an 80-byte header",
                    null);
            settle(e);
            throw e;
        }
        long cpuStart = threadCpuNanos();
        Map<String, byte[]> meta;
        BlockWrites writes;
        int cacheHits;
        try {
            meta = metadataFor(height);
            long hitsBefore = readCache == null ? 0 : readCache.hits();
            writes = run(height, block, previous);
            cacheHits = readCache == null ? 0 : (int) (readCache.hits() - hitsBefore);
            if (keyFilter != null) {
                // before the next block runs: it holds every key a later read may find, even with this block's
                // commit in flight
                keyFilter.addAll(writes.keys());
            }
            if (readCache != null) {
                readCache.advance(height, writes);
            }
        } catch (RuntimeException e) {
            settle(e);
            throw e;
        }
        long commitStart = System.nanoTime();
        byte[] hash = BlockHeader.hash(block);
        if (committer == null) {
            BlockCommit commit = blockCommit(height, writes, hash, StateRoot.before(store, height), meta);
            try {
                commit(commit);
            } catch (RuntimeException | Error e) {
                forgetReads(); // with overlapped commits, awaitRoot forgets them
                throw e;
            }
            BlockResult result = result(
                    height, hash, commit.stateRoot(), writes, System.nanoTime() - commitStart, cpuStart, cacheHits);
            committed.accept(result);
            return result;
        }
        // The block below is durable before this one is handed over: its root is this one's start.
        byte[] awaited = awaitRoot();
        byte[] before = awaited != null ? awaited : StateRoot.before(store, height);
        Consumer<BlockResult> listener = committed;
        BlockResult result;
        Future<Committed> done;
        if (rootHere) {
            BlockCommit commit = blockCommit(height, writes, hash, before, meta);
            BlockResult told = result(
                    height, hash, commit.stateRoot(), writes, System.nanoTime() - commitStart, cpuStart, cacheHits);
            result = told;
            done = committer.submit(() -> commitAndTell(commit, told, listener));
        } else {
            long commitNanos = System.nanoTime() - commitStart;
            BlockResult partial = result(height, hash, StateRoot.ZERO, writes, commitNanos, cpuStart, cacheHits);
            result = null;
            done = committer.submit(() -> {
                BlockCommit commit = blockCommit(height, writes, hash, before, meta);
                return commitAndTell(commit, partial.withStateRoot(commit.stateRoot()), listener);
            });
        }
        pending = new Pending(height, hash, !meta.isEmpty(), writes, done);
        return result;
    }

    /** A block's commit: its writes in key order, and the state root they make on top of {@code before}. */
    private static BlockCommit blockCommit(
            long height, BlockWrites writes, byte[] hash, byte[] before, Map<String, byte[]> meta) {
        NavigableMap<byte[], byte[]> sorted = writes.sorted();
        return new BlockCommit(height, sorted, hash, StateRoot.next(before, StateRoot.digest(sorted)), meta);
    }

    /** What a block did, from the slot's figures of its run (read before the next block runs). */
    private BlockResult result(
            long height, byte[] hash, byte[] root, BlockWrites writes, long commitNanos, long cpuStart, int cacheHits) {
        return new BlockResult(
                height,
                hash,
                root,
                writes.size(),
                slot.lastRunNanos(),
                slot.lastResetNanos(),
                commitNanos,
                slot.current().memoryStats().highWaterPages(),
                cpuStart < 0 ? -1 : threadCpuNanos() - cpuStart,
                slot.context().storeReads(),
                slot.context().storeReadNanos(),
                cacheHits);
    }

    /** The committer's task: commits, then tells the listener (a failure of which is returned, not thrown). */
    private Committed commitAndTell(BlockCommit commit, BlockResult result, Consumer<BlockResult> listener) {
        commit(commit);
        try {
            listener.accept(result);
            return new Committed(commit.stateRoot(), null);
        } catch (RuntimeException e) {
            return new Committed(commit.stateRoot(), e); // durable: thrown by awaitCommitted as the listener's
        }
    }

    /**
     * Sets what is told of each block right after its commit, before the next block's commit begins, so the store's
     * tip is then that block (e.g. for a checkpoint). Without overlap it runs on the thread that called {@link
     * #indexBlock}; with overlapped commits on the committer thread, and calls never overlap: each one happens before
     * the next {@code indexBlock} hands a commit over, and before {@link #awaitCommitted()} returns. A block whose
     * commit failed is never told. Set it before the first block.
     */
    public void onCommitted(Consumer<BlockResult> listener) {
        this.committed = java.util.Objects.requireNonNull(listener, "listener");
    }

    private void commit(BlockCommit commit) {
        CrashPoint.reach("commit", commit.height());
        store.commitBlock(commit);
        CrashPoint.reach("committed", commit.height());
    }

    /** Empties the read cache: the store is not at the height it holds (a failed commit). */
    private void forgetReads() {
        if (readCache != null) {
            readCache.clear();
        }
    }

    /**
     * Waits until the overlapped commit in flight, if any, is durable; returns at once without one. Call it before
     * reading the store's tip or rolling it back.
     *
     * @throws JshrewException (or the store's runtime exception) when that commit failed: the store's tip is then
     *     the block before it; or what the {@link #onCommitted} listener threw for that block (it is durable)
     */
    public void awaitCommitted() {
        awaitRoot();
    }

    /**
     * {@link #awaitCommitted()}, returning the state root of the block it awaited, or null when none was in flight.
     */
    private byte[] awaitRoot() {
        Pending inFlight = pending;
        if (inFlight == null) {
            return null;
        }
        pending = null;
        boolean interrupted = false;
        Committed outcome;
        try {
            while (true) {
                try {
                    outcome = inFlight.done().get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // a commit is never abandoned half-way: wait for it, keep the interrupt
                } catch (ExecutionException e) {
                    forgetReads();
                    throw commitFailure(inFlight.height(), e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (outcome.listenerFailure() != null) {
            throw outcome.listenerFailure();
        }
        return outcome.stateRoot();
    }

    private RuntimeException commitFailure(long height, Throwable cause) {
        if (cause instanceof RuntimeException e) {
            return e;
        }
        if (cause instanceof Error e) {
            throw e;
        }
        return new JshrewException(
                ErrorCode.STORAGE,
                "engine " + module.engine().name() + ", module " + module.name() + ": the commit of block " + height
                        + " failed: " + cause,
                cause);
    }

    /**
     * A block failed with {@code e}: awaits the commit in flight so the store is settled. When that commit failed
     * too, its failure is thrown instead (with {@code e} suppressed): the block below is missing from the store, so
     * the caller must not take this for a failure of the block alone and run it again.
     */
    private void settle(RuntimeException e) {
        try {
            awaitCommitted();
        } catch (RuntimeException commitFailed) {
            commitFailed.addSuppressed(e);
            throw commitFailed;
        }
    }

    /** Whether block {@code height}'s overlapped commit is in flight (handed over, not yet awaited). */
    public boolean committing(long height) {
        Pending inFlight = pending;
        return inFlight != null && inFlight.height() == height;
    }

    /**
     * The stored hash of block {@code height}, or the hash of the block whose overlapped commit is in flight: what
     * the store will hold at that height once it is durable.
     */
    public Optional<byte[]> blockHash(long height) {
        if (committing(height)) {
            return Optional.of(pending.blockHash().clone());
        }
        return store.blockHash(height);
    }

    /** CPU time of the current thread, or {@code -1} where the JVM does not measure it. */
    private static long threadCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : -1;
    }

    /**
     * The metadata committed with block {@code height}: on an empty store (its first block, also after a rollback
     * below every block) the indexer's SHA-256, its history, the guest memory limit and the first height; with a
     * pending upgrade the new pin and history; nothing otherwise.
     *
     * @throws JshrewException {@link ErrorCode#INPUT} when this module may not index {@code height}: the store runs
     *     another module and no upgrade is pending, or the block is below the upgrade's height
     */
    private Map<String, byte[]> metadataFor(long height) {
        if (store.tip().isPresent()) {
            IndexerHistory history = IndexerHistory.of(store).orElse(null);
            if (history == null) {
                return Map.of();
            }
            if (Arrays.equals(history.current().sha256(), moduleSha256)) {
                // An upgrade a rollback undid is still recorded (rollbacks keep metadata): drop it with this block.
                boolean undone = store.meta(IndexerHistory.META_HISTORY).isPresent()
                        && !IndexerHistory.recorded(store).equals(history.entries());
                return undone
                        ? Map.of(META_INDEXER, moduleSha256, IndexerHistory.META_HISTORY, history.encode())
                        : Map.of();
            }
            if (upgradeAt.isEmpty()) {
                // e.g. a reorg rolled back below the height where this module took over
                throw new JshrewException(
                        ErrorCode.INPUT,
                        "block " + height + " is below the height where " + module.name() + " (sha256 "
                                + Hashes.hex(moduleSha256) + ") took over: sha256 "
                                + history.current().sha256Hex() + " indexes it; give --upgrade-indexer-at H to "
                                + "switch again");
            }
            long at = upgradeAt.getAsLong();
            if (height < at) {
                throw new JshrewException(
                        ErrorCode.INPUT,
                        "block " + height + " is below --upgrade-indexer-at " + at + ": index up to " + (at - 1)
                                + " with the pinned indexer (sha256 "
                                + history.current().sha256Hex()
                                + ") first (e.g. --exit-at " + at + "), then upgrade");
            }
            return Map.of(
                    META_INDEXER,
                    moduleSha256,
                    IndexerHistory.META_HISTORY,
                    history.upgradedAt(at, moduleSha256).encode());
        }
        return Map.of(
                IndexerHistory.META_HISTORY,
                new IndexerHistory(List.of(new IndexerHistory.Entry(height, moduleSha256))).encode(),
                META_INDEXER,
                moduleSha256,
                META_MEMORY_LIMIT,
                Integer.toString(slot.memoryLimitPages()).getBytes(StandardCharsets.US_ASCII),
                StateRoot.META_FIRST_HEIGHT,
                StateRoot.firstHeightMeta(height));
    }

    /**
     * Runs {@code _start} and returns the block's writes, or throws. Commits nothing. With {@code previous} (the
     * block below, its commit in flight) reads see its writes first, then the store as of the block below it.
     */
    private BlockWrites run(long height, byte[] block, Pending previous) {
        try {
            slot.ready();
        } catch (JshrewException e) {
            throw slot.failure(
                    e.code(),
                    GuestCallException.Stage.PREPARE,
                    height,
                    "could not prepare the instance: " + e.getMessage(),
                    e);
        }
        CrashPoint.reach("run", height);
        long readHeight = previous != null ? height - 2 : height == 0 ? 0 : height - 1;
        try (HeightReader stored = store.readerAt(readHeight)) {
            StateReader reads = stored::get;
            if (previous != null) {
                BlockWrites written = previous.writes();
                reads = key -> {
                    byte[] value = written.get(key);
                    return value != null ? value : stored.get(key);
                };
            }
            if (readCache != null) {
                reads = readCache.readsFor(height, reads);
            }
            return slot.runStart(height, block, reads, height == 0, GuestCallException.Stage.START);
        }
    }

    /**
     * Awaits the overlapped commit in flight, stops the committer and closes the instance.
     *
     * @throws RuntimeException when the commit in flight failed (everything is closed all the same)
     */
    @Override
    public void close() {
        closing = true;
        if (keyFilterFill != null) {
            try {
                keyFilterFill.join(); // it stops at its next key; the store must outlive its iterator
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            awaitCommitted();
        } finally {
            if (committer != null) {
                committer.shutdown();
            }
            slot.close();
        }
    }
}
