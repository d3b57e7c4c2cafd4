package dev.jshrew.host;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.storage.BlockCommit;
import dev.jshrew.api.storage.ChainIndex;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.host.bitcoin.BlockHeader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import java.util.function.Consumer;

/**
 * Runs blocks through an indexer module and commits each successful block atomically (METASHREW-ABI §1.6, with
 * the Java rules: a trap, {@code abort}, a malformed flush or no flush at all commits nothing). Everything that
 * belongs to a height goes in its one {@link BlockCommit}: the writes, hash, state root and, with the first block
 * of a store, the metadata (indexer SHA-256, guest memory limit, first height); nothing is written outside it.
 * Reads during block H see the state as of H-1 (at H=0, the block's own flushed pairs first). Confined to one
 * thread; the caller owns the engine, module and store, and closes this runner.
 */
public final class Indexer implements AutoCloseable {
    /** Store metadata: SHA-256 of the indexer module the database was built with. */
    public static final String META_INDEXER = "indexer.sha256";
    /** Store metadata: the guest memory limit (pages) the database was built with. */
    public static final String META_MEMORY_LIMIT = "guest.memory-limit-pages";

    private final CompiledModule module;
    private final KeyValueStore store;
    private final InstanceSlot slot;
    private final byte[] moduleSha256;

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
        this.module = module;
        this.store = store;
        this.moduleSha256 = moduleSha256.clone();
        InstanceSlot.startProblem(module).ifPresent(problem -> {
            throw new JshrewException(
                    ErrorCode.LINK, "engine " + module.engine().name() + ", module " + module.name() + ": " + problem);
        });
        this.slot = new InstanceSlot(module, options, java.time.Duration.ZERO, guestLog);
        checkPin(store, module.name(), this.moduleSha256, slot.memoryLimitPages());
    }

    /**
     * Refuses a store built by another indexer module or with another guest memory limit (the pin recorded with
     * the first block); a store without a pin passes. Used by the indexer and by every view runner of a host.
     *
     * @throws JshrewException {@link ErrorCode#INPUT} naming both identities
     */
    static void checkPin(ChainIndex store, String moduleName, byte[] moduleSha256, int memoryLimitPages) {
        store.meta(META_INDEXER).ifPresent(recorded -> {
            if (!Arrays.equals(recorded, moduleSha256)) {
                throw new JshrewException(
                        ErrorCode.INPUT,
                        "the database was indexed with another indexer module (sha256 " + Hashes.hex(recorded)
                                + "), not " + moduleName + " (sha256 " + Hashes.hex(moduleSha256) + ")");
            }
        });
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
     * Runs one block and commits it.
     *
     * @throws GuestCallException when the block fails; nothing of it is committed and the store is unchanged
     */
    public BlockResult indexBlock(long height, byte[] block) {
        if (height < 0 || height > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("height out of u32 range: " + height);
        }
        if (block.length < BlockHeader.SIZE) {
            throw slot.failure(
                    ErrorCode.INPUT,
                    GuestCallException.Stage.START,
                    height,
                    "block has " + block.length + " bytes, fewer than an 80-byte header",
                    null);
        }
        NavigableMap<byte[], byte[]> writes = run(height, block);
        long commitStart = System.nanoTime();
        byte[] root = StateRoot.next(StateRoot.before(store, height), StateRoot.digest(writes));
        byte[] hash = BlockHeader.hash(block);
        BlockCommit commit = new BlockCommit(height, writes, hash, root, metadataFor(height));
        CrashPoint.reach("commit", height);
        store.commitBlock(commit);
        CrashPoint.reach("committed", height);
        long commitNanos = System.nanoTime() - commitStart;
        return new BlockResult(
                height,
                hash,
                root,
                writes.size(),
                slot.lastRunNanos(),
                slot.lastResetNanos(),
                commitNanos,
                slot.current().memoryStats().highWaterPages());
    }

    /**
     * The metadata committed with block {@code height}: on an empty store (its first block, also after a rollback
     * below every block) the indexer's SHA-256, the guest memory limit and the first height; nothing otherwise.
     */
    private Map<String, byte[]> metadataFor(long height) {
        if (store.tip().isPresent()) {
            return Map.of();
        }
        return Map.of(
                META_INDEXER,
                moduleSha256,
                META_MEMORY_LIMIT,
                Integer.toString(slot.memoryLimitPages()).getBytes(StandardCharsets.US_ASCII),
                StateRoot.META_FIRST_HEIGHT,
                StateRoot.firstHeightMeta(height));
    }

    /** Runs {@code _start} and returns the block's writes, or throws. Commits nothing. */
    NavigableMap<byte[], byte[]> run(long height, byte[] block) {
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
        long readHeight = height == 0 ? 0 : height - 1;
        return slot.runStart(
                height, block, key -> store.get(key, readHeight), height == 0, GuestCallException.Stage.START);
    }

    @Override
    public void close() {
        slot.close();
    }
}
