package dev.jshrew.node.sync;

import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.Indexer;
import dev.jshrew.host.IndexerHost;
import dev.jshrew.host.ResetMode;
import dev.jshrew.host.RunOptions;
import dev.jshrew.host.StateRoot;
import dev.jshrew.memory.CommittedMemoryProvider;
import dev.jshrew.node.chain.Backoff;
import dev.jshrew.node.chain.ChainSource;
import dev.jshrew.node.rpc.ViewPool;
import dev.jshrew.tck.Fixtures;
import dev.jshrew.tck.Harness;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A node in process for tests: Chicory, one guest, a RocksDB store, the indexer, a view pool and the sync loop,
 * with small committed memory ({@link Harness#testOptions}).
 */
public final class TestNode implements AutoCloseable {
    /** The spendables example indexer. */
    static final String SPENDABLES = "spendables/spendables.wasm";
    /** The op-script probe. */
    public static final String PROBE = "wat/probe.wasm";

    /**
     * A guest that flushes its whole input under key {@code "i"}: {@code u32le(H) ‖ block}, byte for byte (C-70).
     * Built with wabt's wat2wasm from:
     * <pre>
     * (module
     *   (import "env" "__host_len" (func $len (result i32)))
     *   (import "env" "__load_input" (func $load (param i32)))
     *   (import "env" "__flush" (func $flush (param i32)))
     *   (memory (export "memory") 64)
     *   (func (export "_start") (local $n i32)
     *     (local.set $n (call $len))
     *     ;; KeyValueFlush at 16: 0a 01 'i' 0a varint(n, padded to 4 bytes) input; its length word at 12
     *     (i32.store8 (i32.const 16) (i32.const 0x0a)) (i32.store8 (i32.const 17) (i32.const 0x01))
     *     (i32.store8 (i32.const 18) (i32.const 0x69)) (i32.store8 (i32.const 19) (i32.const 0x0a))
     *     (i32.store8 (i32.const 20) (i32.or (i32.and (local.get $n) (i32.const 0x7f)) (i32.const 0x80)))
     *     (i32.store8 (i32.const 21) (i32.or (i32.and (i32.shr_u (local.get $n) (i32.const 7)) (i32.const 0x7f))
     * (i32.const 0x80)))
     *     (i32.store8 (i32.const 22) (i32.or (i32.and (i32.shr_u (local.get $n) (i32.const 14)) (i32.const 0x7f))
     * (i32.const 0x80)))
     *     (i32.store8 (i32.const 23) (i32.and (i32.shr_u (local.get $n) (i32.const 21)) (i32.const 0x7f)))
     *     (call $load (i32.const 24))
     *     (i32.store (i32.const 12) (i32.add (local.get $n) (i32.const 8)))
     *     (call $flush (i32.const 16))))
     * </pre>
     */
    static final byte[] ECHO = HexFormat.of()
            .parseHex("0061736d01000000010c036000017f60017f0060000002330303656e760a5f5f686f73745f6c656e000003656e760c5f"
                    + "5f6c6f61645f696e707574000103656e76075f5f666c7573680001030201020503010040071302066d656d6f72790200"
                    + "065f737461727400030a7a017801017f100021004110410a3a0000411141013a0000411241e9003a00004113410a3a00"
                    + "004114200041ff0071418001723a00004115200041077641ff0071418001723a000041162000410e7641ff0071418001"
                    + "723a00004117200041157641ff00713a000041181001410c200041086a360200411010020b");

    final IndexerHost host;
    public final KeyValueStore store;
    public final Indexer indexer;
    public final ChainState state;
    public final ViewPool views;
    final List<String> guestLog = new CopyOnWriteArrayList<>();
    private Thread live;
    private Sync liveSync;
    private volatile Throwable liveFailure;

    public TestNode(String guest, Path db) {
        this(guest.endsWith(".wasm") ? Fixtures.guest(guest) : ECHO, guest, db);
    }

    public TestNode(byte[] wasm, String name, Path db) {
        this(wasm, name, db, Harness.testOptions(ResetMode.FAST));
    }

    /** A node with these run options (e.g. a view timeout). */
    public TestNode(byte[] wasm, String name, Path db, RunOptions options) {
        host = IndexerHost.builder()
                .engine("chicory", Map.of(), new CommittedMemoryProvider())
                .module(name.substring(name.lastIndexOf('/') + 1), wasm)
                .store(db)
                .runOptions(options)
                .open();
        store = host.store();
        // Overlapped commits, the node's default (--commit-overlap on): every sync, reorg and RPC test runs with them.
        indexer = host.newIndexer(guestLog::add, OptionalLong.empty(), true);
        state = new ChainState(store);
        views = new ViewPool(2, () -> host.newViewRunner(guestLog::add), Duration.ofSeconds(30));
    }

    public static SyncOptions options(long start, Long exitAt) {
        return new SyncOptions(
                start,
                exitAt == null ? OptionalLong.empty() : OptionalLong.of(exitAt),
                100,
                4,
                Duration.ofMillis(40),
                Backoff.startingAt(Duration.ofMillis(20)));
    }

    /** Syncs until exit-at. */
    long sync(ChainSource source, long start, long exitAt) throws InterruptedException {
        return new Sync(source, indexer, state, options(start, exitAt), new SyncListener() {}).run();
    }

    /** Follows {@code source} on a background thread until {@link #stopLive()}. */
    void startLive(ChainSource source, SyncOptions options) {
        liveSync = new Sync(source, indexer, state, options, new SyncListener() {});
        live = Thread.ofPlatform().name("test-sync").start(() -> {
            try {
                liveSync.run();
            } catch (Throwable t) {
                liveFailure = t;
            }
        });
    }

    void stopLive() throws InterruptedException {
        liveSync.stop();
        live.join(TimeUnit.SECONDS.toMillis(30));
        if (liveFailure != null) {
            throw new AssertionError("the sync loop failed", liveFailure);
        }
    }

    Throwable liveFailure() {
        return liveFailure;
    }

    /** Waits (up to 60 s) for a condition. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    public byte[] view(String function, byte[] input, long height) {
        return views.with(r -> r.view(function, input, height));
    }

    /** spendables' outputsbyscript count of a script at a height. */
    int outputCount(byte[] script, long height) {
        byte[] r = view("outputsbyscript", script, height);
        return ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    /** Per height: hash, root, and the block's writes digest; "-" for heights not indexed. */
    List<String> chainSummary(long upTo) {
        List<String> out = new ArrayList<>();
        for (long h = 0; h <= upTo; h++) {
            var hash = store.blockHash(h);
            out.add(h + " " + hash.map(Hashes::hex).orElse("-") + " "
                    + store.stateRoot(h).map(Hashes::hex).orElse("-") + " "
                    + (hash.isPresent() ? Hashes.hex(StateRoot.digest(store.blockWrites(h))) : "-"));
        }
        return out;
    }

    static byte[] u32(long v) {
        return ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt((int) v)
                .array();
    }

    @Override
    public void close() {
        try (host;
                views) {
            if (live != null && live.isAlive()) {
                liveSync.stop();
                try {
                    live.join(TimeUnit.SECONDS.toMillis(30));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
