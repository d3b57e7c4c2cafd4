package dev.jshrew.storage.rocksdb;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.BlockCommit;
import dev.jshrew.api.storage.Checkpointable;
import dev.jshrew.api.storage.HeightReader;
import dev.jshrew.api.storage.KeyValueStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.Holder;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * A {@link KeyValueStore} in one RocksDB database; the layout is in {@link StoreKeys}.
 *
 * <p>Threading: thread-safe. Reads run concurrently with each other and with the writer; commits and rollbacks are
 * serialized. A read at a height at or below the tip never changes while a later block
 * commits: a commit only adds versions above the tip. {@link #close()} waits for calls in flight (a RocksDB handle
 * closed under a running read would crash the JVM) and is idempotent; any call after it throws
 * {@link IllegalStateException}.
 *
 * <p>Durability: every write is one {@link WriteBatch} written with {@code sync=true}, so a crash keeps either
 * all of a block (its versions, block index, latest entries, hash, root, metadata and tip) or rollback, or none of
 * it.
 */
final class RocksDbStore implements KeyValueStore, Checkpointable {
    private static final System.Logger LOG = System.getLogger(RocksDbStore.class.getName());
    /**
     * Layout 2 adds the {@code latest} family to layout 1, and layout 3 the {@code block-keys} family, one entry per
     * block instead of one per write in {@code blocks} ({@link StoreKeys}); a writing open upgrades a 1 or a 2.
     */
    private static final int LAYOUT_VERSION = 3;

    private static final int LAYOUT_WITHOUT_LATEST = 1;
    /** Layout 2: {@code latest}, and the per-write block index that layout 3's blocks no longer add to. */
    private static final int LAYOUT_PER_WRITE_INDEX = 2;
    /** Bytes of {@code latest} entries per batch while a writing open fills the family of a layout-1 store. */
    private static final long FILL_BATCH_BYTES = 8L << 20;
    /** How often a long layout upgrade logs its progress. */
    private static final long FILL_REPORT_NANOS = 30_000_000_000L;

    private static final byte[] EMPTY = new byte[0];
    /**
     * The encoded batch's first capacity for a block's commit: about what a write of a 40-byte key and a 40-byte
     * value takes in its records (versions, latest) and its key in the block's {@code block-keys} entry, plus room
     * for the block's metadata. Only a guess: the encoder grows as needed.
     */
    private static final long ENCODED_BYTES_PER_WRITE = 224;

    private static final long ENCODED_BYTES_PER_BLOCK = 4096;
    private static final long MAX_FIRST_CAPACITY = 1L << 28;
    private static final long NO_TIP = -1;
    /** Versions read per multiGet by {@link #blockWrites}. */
    private static final int VALUE_BATCH = 1024;
    /** The bound of {@link #missBalance}: how many reads the other way it takes to switch back. */
    private static final int MISS_BALANCE_LIMIT = 64;

    private final Path directory;
    private final OpenedDb opened;
    /** The tip kept outside the WAL; {@code null} for a read-only store, which writes nothing. */
    private final TipRecord tipRecord;

    private final RocksDB db;
    /** The filled {@code latest} family, or {@code null} (a read-only open of a layout-1 store): reads then seek. */
    private final ColumnFamilyHandle latest;
    /**
     * Reads at the tip that found no entry minus those that found one, recently: within
     * {@code ±MISS_BALANCE_LIMIT}. Which way {@link #latestEntry} asks. Updated by every reader without
     * synchronization: a lost update only delays a switch, and both ways give the same answer.
     */
    private int missBalance;

    private final AtomicBoolean closed = new AtomicBoolean();
    /** Shared by every call, exclusive for {@link #close()}: no native handle is freed under a running call. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    /** One writer at a time, so the tip check and the batch that moves the tip cannot interleave. */
    private final ReentrantLock writer = new ReentrantLock();
    /** The {@link HeightReader}s not yet closed, closed by {@link #close()} if their callers have not. */
    private final Set<IteratorReader> readers = ConcurrentHashMap.newKeySet();
    /** The recorded tip this open found above the store's tip ({@link #NO_TIP}: none): blocks were lost. */
    private long tipWentBackFrom = NO_TIP;
    /** The committed tip, {@link #NO_TIP} for none; it changes only after the batch that moves it is durable. */
    private volatile long tip;

    private RocksDbStore(Path directory, OpenedDb opened, long tip, boolean latestFilled) {
        this.directory = directory;
        this.opened = opened;
        this.tipRecord = opened.readOnly() ? null : new TipRecord(directory);
        this.db = opened.db();
        this.latest = latestFilled ? opened.latest() : null;
        this.tip = tip;
    }

    /**
     * Opens the store in {@code directory}, read-only or for writing (see {@link OpenedDb#open}); the caller closes
     * it. A writing open compares the tip with the one recorded outside the WAL ({@link TipRecord}) and logs a
     * warning when it went back.
     */
    static RocksDbStore open(Path directory, RocksDbSettings settings, boolean readOnly) {
        return open(directory, OpenedDb.open(directory, settings, readOnly));
    }

    /** Opens the store in {@code directory} as a follower keeping its own files in {@code secondary}. */
    static RocksDbStore openSecondary(Path directory, Path secondary, RocksDbSettings settings) {
        return open(directory, OpenedDb.openSecondary(directory, secondary, settings));
    }

    private static RocksDbStore open(Path directory, OpenedDb opened) {
        boolean readOnly = opened.readOnly();
        boolean ready = false;
        try {
            long tip = storedTip(directory, opened);
            int layout = checkLayout(directory, opened, tip);
            RocksDbStore store = new RocksDbStore(directory, opened, tip, layout != LAYOUT_WITHOUT_LATEST);
            if (!readOnly) {
                store.checkTipRecord();
            }
            ready = true;
            LOG.log(
                    System.Logger.Level.INFO,
                    "opened rocksdb store {0}{1} at tip {2}",
                    directory,
                    readOnly ? " read-only" : "",
                    tip == NO_TIP ? "none" : Long.toString(tip));
            return store;
        } finally {
            if (!ready) {
                opened.natives().releaseAfterFailedOpen(directory);
            }
        }
    }

    /** Warns when the tip is below the recorded one (committed blocks were lost), then records the tip. */
    private void checkTipRecord() {
        OptionalLong recorded = tipRecord.read();
        long current = tip;
        if (recorded.isPresent() && recorded.getAsLong() > current) {
            tipWentBackFrom = recorded.getAsLong();
            LOG.log(
                    System.Logger.Level.WARNING,
                    "rocksdb store {0}: the tip went back from {1} to {2} since the last run: committed blocks were"
                            + " lost (e.g. the tail of the write-ahead log after an unclean stop); indexing resumes"
                            + " above {2}",
                    directory,
                    Long.toString(recorded.getAsLong()),
                    current == NO_TIP ? "none" : Long.toString(current));
        }
        if (recorded.isEmpty() || recorded.getAsLong() != current) {
            recordTip(current);
        }
    }

    /** The tip recorded by an earlier run when this (writing) open found a lower one; empty otherwise. */
    OptionalLong tipWentBackFrom() {
        return tipWentBackFrom == NO_TIP ? OptionalLong.empty() : OptionalLong.of(tipWentBackFrom);
    }

    /** Records the tip outside the WAL; a failure is logged, never fatal (the commit itself is durable). */
    private void recordTip(long value) {
        try {
            tipRecord.write(value);
        } catch (IOException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "rocksdb store {0}: cannot record the tip in {1}: {2}",
                    directory,
                    TipRecord.NAME,
                    e.toString());
        }
    }

    /**
     * Checks the layout version (writing it on a store this open created, or on one whose first open wrote nothing
     * durable; a writing open upgrades layout 1 to 3 by filling {@code latest}, and layout 2 to 3 by writing the
     * version: its family {@code block-keys} was created empty by the open, and the blocks already committed keep
     * their entries in {@code blocks}), and returns the layout the store is read with.
     */
    private static int checkLayout(Path directory, OpenedDb opened, long tip) {
        try {
            byte[] layout = opened.db().get(opened.meta(), StoreKeys.LAYOUT);
            if (layout == null) {
                if (opened.readOnly() || tip != NO_TIP) {
                    throw new JshrewException(
                            ErrorCode.STORAGE,
                            "rocksdb store " + directory
                                    + ": not a jshrew database (no layout version; a store whose creation did not"
                                    + " finish is completed by the next index or serve)");
                }
                opened.db().put(opened.meta(), opened.syncWrite(), StoreKeys.LAYOUT, StoreKeys.u32(LAYOUT_VERSION));
                return LAYOUT_VERSION;
            }
            int version = layout.length == Integer.BYTES ? StoreKeys.getInt(layout, 0) : -1;
            if (version == LAYOUT_WITHOUT_LATEST && !opened.readOnly()) {
                fillLatest(directory, opened);
                return LAYOUT_VERSION;
            }
            if (version == LAYOUT_PER_WRITE_INDEX && !opened.readOnly() && opened.latest() != null) {
                LOG.log(
                        System.Logger.Level.INFO,
                        "rocksdb store {0}: upgrading layout {1} to {2} (nothing to rewrite: blocks from now on"
                                + " list their keys in one entry)",
                        directory,
                        LAYOUT_PER_WRITE_INDEX,
                        LAYOUT_VERSION);
                opened.db().put(opened.meta(), opened.syncWrite(), StoreKeys.LAYOUT, StoreKeys.u32(LAYOUT_VERSION));
                return LAYOUT_VERSION;
            }
            boolean familiesThere = switch (version) {
                case LAYOUT_WITHOUT_LATEST -> true;
                case LAYOUT_PER_WRITE_INDEX -> opened.latest() != null;
                case LAYOUT_VERSION -> opened.latest() != null && opened.blockKeys() != null;
                default -> false;
            };
            if (familiesThere) {
                return version;
            }
            throw new JshrewException(
                    ErrorCode.STORAGE,
                    "rocksdb store " + directory
                            + ": unsupported layout version " + Arrays.toString(layout)
                            + (version == LAYOUT_PER_WRITE_INDEX || version == LAYOUT_VERSION
                                    ? " without its column families"
                                    : "")
                            + ", this build reads " + LAYOUT_WITHOUT_LATEST + " to " + LAYOUT_VERSION);
        } catch (RocksDBException e) {
            throw StorageFailure.of(directory, "read the layout version", e);
        }
    }

    private static long storedTip(Path directory, OpenedDb opened) {
        try {
            byte[] tip = opened.db().get(opened.meta(), StoreKeys.TIP);
            return tip == null ? NO_TIP : StoreKeys.getLong(tip, 0);
        } catch (RocksDBException e) {
            throw StorageFailure.of(directory, "read the tip", e);
        }
    }

    /**
     * Upgrades a layout-1 store: writes every key's newest version into {@code latest}, then the layout version 2
     * in a synced batch. One forward scan of {@code versions}, in which a key's versions are adjacent and sorted by
     * height, so the last one seen before the key changes is its newest. A crash before the last batch leaves
     * layout 1 and a partly filled family, which the next writing open fills again from the start.
     */
    private static void fillLatest(Path directory, OpenedDb opened) throws RocksDBException {
        LOG.log(
                System.Logger.Level.INFO,
                "rocksdb store {0}: upgrading layout {1} to {2} (one pass over the stored versions)",
                directory,
                LAYOUT_WITHOUT_LATEST,
                LAYOUT_VERSION);
        long started = System.nanoTime();
        long keys = 0;
        long lastReport = started;
        WriteBatch batch = new WriteBatch();
        try (ReadOptions options = new ReadOptions().setFillCache(false);
                RocksIterator it = opened.db().newIterator(opened.versions(), options);
                WriteOptions unsynced = new WriteOptions()) {
            byte[] key = null;
            byte[] newest = null;
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] version = it.key();
                byte[] next = StoreKeys.versionKey(version);
                if (key != null && !Arrays.equals(key, next)) {
                    batch.put(opened.latest(), key, newest);
                    keys++;
                    if (batch.getDataSize() >= FILL_BATCH_BYTES) {
                        opened.db().write(unsynced, batch);
                        batch.close();
                        batch = new WriteBatch();
                        if (System.nanoTime() - lastReport >= FILL_REPORT_NANOS) {
                            lastReport = System.nanoTime();
                            LOG.log(
                                    System.Logger.Level.INFO,
                                    "rocksdb store {0}: layout upgrade: {1} keys so far, {2} s",
                                    directory,
                                    keys,
                                    (lastReport - started) / 1_000_000_000L);
                        }
                    }
                }
                key = next;
                newest = StoreKeys.latestValue(StoreKeys.versionHeight(version), it.value());
            }
            it.status();
            if (key != null) {
                batch.put(opened.latest(), key, newest);
                keys++;
            }
            batch.put(opened.meta(), StoreKeys.LAYOUT, StoreKeys.u32(LAYOUT_VERSION));
            // Synced, and the WAL is ordered: the unsynced batches before it are durable with it.
            opened.db().write(opened.syncWrite(), batch);
        } finally {
            batch.close();
        }
        LOG.log(
                System.Logger.Level.INFO,
                "rocksdb store {0}: layout {1}: {2} keys in the latest column family, {3} ms",
                directory,
                LAYOUT_VERSION,
                keys,
                (System.nanoTime() - started) / 1_000_000);
    }

    @Override
    public OptionalLong tip() {
        return guarded("read the tip", () -> {
            long current = tip;
            return current == NO_TIP ? OptionalLong.empty() : OptionalLong.of(current);
        });
    }

    /**
     * A secondary instance: catches up with the primary ({@code tryCatchUpWithPrimary}) and re-reads the tip. The tip
     * moves only after the catch-up, so a reader never sees a tip whose block it cannot read.
     */
    OptionalLong catchUpWithPrimary() {
        return guarded("catch up with the primary", () -> {
            db.tryCatchUpWithPrimary();
            byte[] stored = db.get(opened.meta(), StoreKeys.TIP);
            tip = stored == null ? NO_TIP : StoreKeys.getLong(stored, 0);
            return tip == NO_TIP ? OptionalLong.empty() : OptionalLong.of(tip);
        });
    }

    /**
     * Every key of {@code latest} (layout 2: each key that has a version); false on a read-only open of a layout-1
     * store, which has none. One pass in key order, outside the block cache; a hash memtable needs total order.
     */
    @Override
    public boolean forEachKey(java.util.function.Consumer<byte[]> action) {
        Objects.requireNonNull(action, "action");
        return guarded("list the keys", () -> {
            if (latest == null) {
                return false;
            }
            try (ReadOptions options = new ReadOptions().setTotalOrderSeek(true).setFillCache(false);
                    RocksIterator it = db.newIterator(latest, options)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    action.accept(it.key());
                }
                it.status();
            }
            return true;
        });
    }

    @Override
    public byte[] get(byte[] key, long height) {
        Objects.requireNonNull(key, "key");
        // A constant action: this is the hot path, and the message is only needed on failure.
        return guarded("versioned read", () -> {
            if (height < 0) {
                return EMPTY;
            }
            byte[] answer = latest == null ? null : fromLatest(latestEntry(key), height);
            return answer != null ? answer : newestAtOrBelow(key, height);
        });
    }

    /**
     * The key's {@code latest} entry, or null when it has none.
     *
     * <p>RocksJava's {@code get} reports a missing key by throwing and catching a C++ exception inside the call,
     * which costs more than the lookup itself. {@code keyMayExist} never throws for a missing key: false means the
     * key has no entry. It looks in the memtables, the Bloom filters and the cached blocks only, and hands over the
     * value when it read it there. It hands over an empty one when it stopped at a block or table it would have had
     * to read from disk, so an empty value is not taken (an entry is never empty: it starts with a height) and
     * {@code get} answers, which then repeats the lookup.
     *
     * <p>So {@code keyMayExist} pays where most reads are of missing keys (ord: 99 % of its reads), and {@code get}
     * where most keys are present (spendables: 95 %) and the store outgrows the block cache. The store keeps a
     * balance of recent misses over hits ({@link #missBalance}) and asks {@code keyMayExist} first while misses
     * lead. Either way gives the same answer.
     */
    private byte[] latestEntry(byte[] key) throws RocksDBException {
        byte[] entry;
        if (missBalance > 0) {
            Holder<byte[]> cached = new Holder<>();
            if (db.keyMayExist(latest, key, cached)) {
                byte[] value = cached.getValue();
                entry = value != null && value.length > 0 ? value : db.get(latest, key);
            } else {
                entry = null;
            }
        } else {
            entry = db.get(latest, key);
        }
        int balance =
                Math.max(-MISS_BALANCE_LIMIT, Math.min(MISS_BALANCE_LIMIT, missBalance + (entry == null ? 1 : -1)));
        if (balance != missBalance) { // at the bound, as for an indexer whose reads go one way, no shared write
            missBalance = balance;
        }
        return entry;
    }

    /**
     * The answer to a read at {@code height} that the key's {@code latest} entry {@code newest} gives, or {@code
     * null} when only a seek can: the entry is the key's newest version, so it is the answer at or above its
     * height, and a missing entry (the family is filled) means the key has no version at all.
     */
    private static byte[] fromLatest(byte[] newest, long height) {
        if (newest == null) {
            return EMPTY;
        }
        return StoreKeys.latestHeight(newest) <= height ? StoreKeys.latestPayload(newest) : null;
    }

    /** One seekForPrev: the newest version of {@code key} at or below {@code height}, O(log n). */
    private byte[] newestAtOrBelow(byte[] key, long height) throws RocksDBException {
        byte[] prefix = StoreKeys.versionPrefix(key);
        // The lower bound stops the iterator at this key's first version: without it, a key with no version at
        // or below the height would step back over other keys' entries (and tombstones left by a rollback).
        try (Slice lower = new Slice(prefix);
                ReadOptions options = new ReadOptions().setIterateLowerBound(lower);
                RocksIterator it = db.newIterator(opened.versions(), options)) {
            byte[] value = versionAtOrBelow(it, prefix, height);
            // Within [prefix, target] every entry is a version of this key (the length prefix fixes where the
            // key ends); checked anyway, since a wrong answer here would be silent.
            if (value == null && it.isValid()) {
                throw new IllegalStateException("seekForPrev left the key's range in " + directory);
            }
            return value == null ? EMPTY : value;
        }
    }

    /**
     * Positions {@code it} at the newest entry at or below the version of the key ({@code prefix}) at {@code
     * height}: the value when that entry is a version of the key, else null (no entry there, or another key's).
     */
    static byte[] versionAtOrBelow(RocksIterator it, byte[] prefix, long height) throws RocksDBException {
        byte[] target = StoreKeys.versionAt(prefix, height);
        it.seekForPrev(target);
        if (!it.isValid()) {
            it.status();
            return null;
        }
        byte[] found = it.key();
        boolean versionOfKey =
                found.length == target.length && Arrays.equals(found, 0, prefix.length, prefix, 0, prefix.length);
        return versionOfKey ? it.value() : null;
    }

    /**
     * One iterator for all the reads of a call: creating a RocksDB iterator (a merge over the memtables and every
     * sorted run, with its read options and bound) costs about as much as positioning it, so a block's thousands of
     * reads each save one. The iterator reads the store as of the reader's creation (RocksDB pins that state).
     */
    @Override
    public HeightReader readerAt(long height) {
        return guarded("open a reader at " + height, () -> {
            IteratorReader reader = new IteratorReader(height);
            readers.add(reader);
            return reader;
        });
    }

    /**
     * A {@link HeightReader}: a point lookup in {@code latest} answers a read at or above the key's newest version and
     * a key never written; any other read is a seekForPrev on one unbounded iterator, which stands on another key's
     * entry (or nowhere) when the key has no version at or below the height, and that reads as missing. Confined to
     * its thread; the store closes the readers still open when it closes (an iterator must not outlive its database).
     *
     * <p>The iterator is made at the first read that needs it (a reader at the tip, as the indexer's and most views',
     * never makes one: no native iterator to create and free per block or per view). It reads the store as of its
     * creation, the lookups as of each read. A block committed meanwhile changes no answer at a height at or below
     * the tip the reader was made at: its versions are above that height, so their {@code latest} entries send the
     * read to the iterator, whose seek stops at the height. No RocksDB snapshot is taken for
     * it: a secondary instance has none, and releasing one makes RocksDB rewrite bottommost files to clear their
     * sequence numbers ({@code BottommostFiles} compactions), which the indexer, one reader per block, would trigger
     * all the time.
     */
    private final class IteratorReader implements HeightReader {
        private final long height;
        /** Made by the first read that seeks; {@code null} until then. */
        private ReadOptions options;

        private RocksIterator iterator;
        /** Set under the store's lock: the reader's own close holds it shared, the store's close exclusively. */
        private boolean released;

        IteratorReader(long height) {
            this.height = height;
        }

        @Override
        public byte[] get(byte[] key) {
            Objects.requireNonNull(key, "key");
            return guarded("versioned read", () -> {
                if (released) {
                    throw new IllegalStateException(
                            "the reader at height " + height + " of " + directory + " is closed");
                }
                if (height < 0) {
                    return EMPTY;
                }
                byte[] answer = latest == null ? null : fromLatest(latestEntry(key), height);
                if (answer != null) {
                    return answer;
                }
                if (iterator == null) {
                    options = new ReadOptions();
                    iterator = db.newIterator(opened.versions(), options);
                }
                byte[] value = versionAtOrBelow(iterator, StoreKeys.versionPrefix(key), height);
                return value == null ? EMPTY : value;
            });
        }

        @Override
        public void close() {
            lifecycle.readLock().lock();
            try {
                if (readers.remove(this)) {
                    release();
                }
            } finally {
                lifecycle.readLock().unlock();
            }
        }

        void release() {
            released = true;
            if (iterator != null) {
                iterator.close();
                options.close();
            }
        }
    }

    @Override
    public void commitBlock(BlockCommit commit) {
        Objects.requireNonNull(commit, "commit");
        long height = commit.height();
        written("commit block " + height, () -> {
            long current = tip;
            if (current != NO_TIP && height <= current) {
                throw new IllegalArgumentException("block " + height + " is not above the tip " + current + " of "
                        + directory + ": roll back first");
            }
            // Nothing reaches the database before db.write: an exception while the batch is built writes nothing.
            // The batch is encoded in Java and crosses into RocksDB once (BatchEncoder), not once per put.
            NavigableMap<byte[], byte[]> writes = commit.writes();
            BatchEncoder batch = new BatchEncoder((int)
                    Math.min(MAX_FIRST_CAPACITY, writes.size() * ENCODED_BYTES_PER_WRITE + ENCODED_BYTES_PER_BLOCK));
            int versions = opened.versions().getID();
            int latestId = opened.latest().getID();
            int meta = opened.meta().getID();
            for (Map.Entry<byte[], byte[]> write : writes.entrySet()) {
                byte[] key = write.getKey();
                byte[] value = write.getValue();
                if (key == null || value == null) {
                    throw new NullPointerException("null key or value in the writes of block " + height);
                }
                batch.put(versions, StoreKeys.version(key, height), value);
                batch.put(latestId, key, StoreKeys.latestValue(height, value));
            }
            // Layout 3 lists the block's keys in one entry (blockWrites reads their values from versions): one put
            // where layout 2 made one a write.
            if (!writes.isEmpty()) {
                batch.put(opened.blockKeys().getID(), StoreKeys.u64(height), StoreKeys.blockKeys(writes.keySet()));
            }
            for (Map.Entry<String, byte[]> entry : commit.meta().entrySet()) {
                batch.put(meta, StoreKeys.meta(entry.getKey()), entry.getValue());
            }
            batch.put(meta, StoreKeys.hash(height), commit.blockHash());
            batch.put(meta, StoreKeys.root(height), commit.stateRoot());
            batch.put(meta, StoreKeys.TIP, StoreKeys.u64(height));
            try (WriteBatch encoded = new WriteBatch(batch.toBytes())) {
                db.write(opened.syncWrite(), encoded);
            }
            tip = height;
            recordTip(height);
        });
    }

    @Override
    public Optional<byte[]> blockHash(long height) {
        return guarded(
                "read the hash of block " + height,
                () -> height < 0
                        ? Optional.empty()
                        : Optional.ofNullable(db.get(opened.meta(), StoreKeys.hash(height))));
    }

    @Override
    public Optional<byte[]> stateRoot(long height) {
        return guarded(
                "read the state root of block " + height,
                () -> height < 0
                        ? Optional.empty()
                        : Optional.ofNullable(db.get(opened.meta(), StoreKeys.root(height))));
    }

    @Override
    public Optional<byte[]> stateRootAtOrBelow(long height) {
        return guarded("read the state root at or below " + height, () -> {
            if (height < 0) {
                return Optional.empty();
            }
            try (Slice lower = new Slice(new byte[] {StoreKeys.ROOT_TAG});
                    ReadOptions options = new ReadOptions().setIterateLowerBound(lower);
                    RocksIterator it = db.newIterator(opened.meta(), options)) {
                it.seekForPrev(StoreKeys.root(height));
                if (!it.isValid()) {
                    it.status();
                    return Optional.empty();
                }
                return Optional.of(it.value());
            }
        });
    }

    @Override
    public NavigableMap<byte[], byte[]> blockWrites(long height) {
        return guarded("read the writes of block " + height, () -> {
            NavigableMap<byte[], byte[]> writes = BlockCommit.newWriteMap();
            if (height >= 0) {
                List<byte[]> keys = new ArrayList<>();
                // A block committed by layout 3 has a block-keys entry; one committed before the upgrade has its
                // entries in blocks. A height has one or the other (a rollback removes both kinds), so blocks is
                // scanned only for a height without a block-keys entry.
                byte[] listed = null;
                if (opened.blockKeys() == null) {
                    refuseIfUpgradedSinceOpen(height);
                } else {
                    listed = db.get(opened.blockKeys(), StoreKeys.u64(height));
                }
                if (listed != null) {
                    keys.addAll(StoreKeys.blockKeysOf(listed));
                } else {
                    // height + 1 may wrap to Long.MIN_VALUE; as an unsigned u64 that is still the next height.
                    RangeScan.forEach(
                            db,
                            opened.blocks(),
                            StoreKeys.u64(height),
                            StoreKeys.u64(height + 1),
                            it -> keys.add(StoreKeys.blockEntryKey(it.key())));
                }
                // The values are the block's versions (a layout-1 entry also holds its value; the version is read
                // all the same, so both layouts take one path).
                for (int from = 0; from < keys.size(); from += VALUE_BATCH) {
                    List<byte[]> slice = keys.subList(from, Math.min(keys.size(), from + VALUE_BATCH));
                    List<byte[]> versionKeys = new ArrayList<>(slice.size());
                    for (byte[] key : slice) {
                        versionKeys.add(StoreKeys.version(key, height));
                    }
                    List<byte[]> values =
                            db.multiGetAsList(Collections.nCopies(slice.size(), opened.versions()), versionKeys);
                    for (int i = 0; i < slice.size(); i++) {
                        byte[] value = values.get(i);
                        if (value == null) {
                            throw new IllegalStateException("rocksdb store " + directory + ": block " + height
                                    + " lists a key without its version (a damaged store)");
                        }
                        writes.put(slice.get(i), value);
                    }
                }
            }
            return writes;
        });
    }

    /**
     * A store opened without {@code block-keys} (a read-only open or a follower of a layout-1 or 2 store) cannot see
     * the index of blocks a writer commits after upgrading the store to layout 3 (a follower catches up with them):
     * it refuses rather than report such a block as one that wrote nothing.
     */
    private void refuseIfUpgradedSinceOpen(long height) throws RocksDBException {
        byte[] layout = db.get(opened.meta(), StoreKeys.LAYOUT);
        if (layout != null && layout.length == Integer.BYTES && StoreKeys.getInt(layout, 0) >= LAYOUT_VERSION) {
            throw new JshrewException(
                    ErrorCode.STORAGE,
                    "rocksdb store " + directory + ": the writer upgraded it to layout " + LAYOUT_VERSION
                            + " after this open, so the writes of block " + height
                            + " cannot be read here: open it again");
        }
    }

    @Override
    public void rollbackTo(long height) {
        written("roll back to height " + height, () -> {
            long current = tip;
            if (current == NO_TIP || height >= current) {
                return;
            }
            // Recorded before the batch: a crash between the two leaves the record lower, never higher.
            recordTip(height < 0 ? NO_TIP : Math.min(height, current));
            long newTip = new Rollback(db, opened).run(height);
            if (newTip != height) {
                recordTip(newTip);
            }
            tip = newTip;
            LOG.log(
                    System.Logger.Level.INFO,
                    "rocksdb store {0}: rolled back from {1} to {2}",
                    directory,
                    current,
                    newTip == NO_TIP ? "none" : Long.toString(newTip));
        });
    }

    @Override
    public Optional<byte[]> meta(String name) {
        Objects.requireNonNull(name, "name");
        return guarded("read metadata " + name, () -> Optional.ofNullable(db.get(opened.meta(), StoreKeys.meta(name))));
    }

    /**
     * A RocksDB checkpoint (hard links to the SST files where the file system allows, copies otherwise, plus the
     * live WAL). Taken under the writer lock, so it holds whole blocks: none is committed while it is made. A
     * read-only store refuses: RocksDB makes a checkpoint of it without the blocks that are only in the WAL (it
     * replays them into memory but cannot flush them), which is not a copy of what it sees (tested).
     */
    @Override
    public void checkpointTo(Path target) {
        Objects.requireNonNull(target, "target");
        if (opened.readOnly()) {
            throw new JshrewException(
                    ErrorCode.STORAGE,
                    "rocksdb store " + directory + " is open read-only: a checkpoint needs the writing open (a"
                            + " read-only one would miss the blocks still in the write-ahead log)");
        }
        guarded("checkpoint to " + target, () -> {
            writer.lock();
            try (Checkpoint checkpoint = Checkpoint.create(db)) {
                checkpoint.createCheckpoint(target.toString());
                return null;
            } finally {
                writer.unlock();
            }
        });
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        lifecycle.writeLock().lock();
        try {
            if (tipRecord != null) {
                try {
                    tipRecord.close();
                } catch (IOException e) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "rocksdb store {0}: closing {1}: {2}",
                            directory,
                            TipRecord.NAME,
                            e.toString());
                }
            }
            // Readers left open by their callers: an iterator must be closed before its database.
            readers.forEach(IteratorReader::release);
            readers.clear();
            opened.natives().releaseAll();
        } catch (RocksDBException e) {
            throw StorageFailure.of(directory, "close", e);
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /** A call into RocksDB. */
    @FunctionalInterface
    interface RocksCall<T> {
        T call() throws RocksDBException;
    }

    /** A write into RocksDB. */
    @FunctionalInterface
    interface RocksWrite {
        void run() throws RocksDBException;
    }

    private <T> T guarded(String action, RocksCall<T> call) {
        lifecycle.readLock().lock();
        try {
            if (closed.get()) {
                throw new IllegalStateException("rocksdb store " + directory + " is closed (" + action + ")");
            }
            return call.call();
        } catch (RocksDBException e) {
            throw StorageFailure.of(directory, action, e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private void written(String action, RocksWrite write) {
        if (opened.readOnly()) {
            throw new IllegalStateException("rocksdb store " + directory + " is open read-only (" + action + ")");
        }
        guarded(action, () -> {
            writer.lock();
            try {
                write.run();
                return null;
            } finally {
                writer.unlock();
            }
        });
    }
}
