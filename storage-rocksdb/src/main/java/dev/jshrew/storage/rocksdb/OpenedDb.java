package dev.jshrew.storage.rocksdb;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.Filter;
import org.rocksdb.HashLinkedListMemTableConfig;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * An open RocksDB database with jshrew's column families, and every native object it needs. The creator owns it
 * and releases it once with {@link NativeResources#releaseAll()} on {@link #natives()}.
 *
 * @param db the database
 * @param versions column family {@code versions}: height-versioned guest values
 * @param blocks column family {@code blocks}: per-block write index of layouts 1 and 2, one entry per write
 * @param meta column family {@code meta}: tip, hashes, roots, metadata
 * @param latest column family {@code latest}: each key's newest version (layout 2), or {@code null} when a read-only
 *     open found a layout-1 store without it
 * @param blockKeys column family {@code block-keys}: per-block write index of layout 3, one entry per block, or
 *     {@code null} when a read-only open found a store of an earlier layout without it
 * @param syncWrite write options with {@code sync=true}: every write reaches the disk before it returns
 * @param natives everything above, in creation order
 * @param readOnly opened read-only: nothing in the directory is written
 * @param created the database was created by this open (the directory was missing or empty)
 */
record OpenedDb(
        RocksDB db,
        ColumnFamilyHandle versions,
        ColumnFamilyHandle blocks,
        ColumnFamilyHandle meta,
        ColumnFamilyHandle latest,
        ColumnFamilyHandle blockKeys,
        WriteOptions syncWrite,
        NativeResources natives,
        boolean readOnly,
        boolean created) {

    static final String VERSIONS = "versions";
    static final String BLOCKS = "blocks";
    static final String META = "meta";
    static final String LATEST = "latest";
    static final String BLOCK_KEYS = "block-keys";
    /** The prefix of a key that picks its bucket in latest's memtables. */
    private static final int LATEST_PREFIX_BYTES = 64;
    /** Buckets of latest's memtables: one per this many bytes of write buffer (about two entries each). */
    private static final long BYTES_PER_BUCKET = 256;
    /** The fewest buckets, for the small write buffers of tests. */
    private static final long MIN_BUCKETS = 1024;

    /**
     * Opens the database in {@code directory}: read-only (an existing jshrew database; nothing in the directory is
     * created, changed or deleted), or for writing (created in a missing or empty directory; any other non-empty
     * directory that is not a jshrew database is refused). See {@link StoreDirectory}.
     *
     * @throws JshrewException {@link ErrorCode#STORAGE} when it cannot be opened
     */
    static OpenedDb open(Path directory, RocksDbSettings settings, boolean readOnly) {
        return open(directory, settings, readOnly, null);
    }

    /**
     * Opens the database in {@code directory} as a RocksDB secondary instance that keeps its own files in {@code
     * secondary} (created if missing): read-only, and {@link RocksDB#tryCatchUpWithPrimary()} moves it forward.
     *
     * @throws JshrewException {@link ErrorCode#STORAGE} when it cannot be opened
     */
    static OpenedDb openSecondary(Path directory, Path secondary, RocksDbSettings settings) {
        if (directory
                .toAbsolutePath()
                .normalize()
                .equals(secondary.toAbsolutePath().normalize())) {
            throw new JshrewException(
                    ErrorCode.STORAGE, "rocksdb store " + directory + ": a follower needs a directory of its own");
        }
        try {
            java.nio.file.Files.createDirectories(secondary);
        } catch (java.io.IOException e) {
            throw new JshrewException(
                    ErrorCode.STORAGE, "rocksdb follower directory " + secondary + ": cannot create it: " + e, e);
        }
        return open(directory, settings, true, secondary);
    }

    private static OpenedDb open(Path directory, RocksDbSettings settings, boolean readOnly, Path secondary) {
        boolean fresh;
        // A writing open adds the latest family to a layout-1 store (the store fills it, see RocksDbStore) and the
        // block-keys family to a layout-1 or 2 one; a read-only one opens them only where they exist.
        boolean withLatest;
        boolean withBlockKeys;
        if (readOnly) {
            Set<String> families = StoreDirectory.checkExisting(directory);
            withLatest = families.contains(LATEST);
            withBlockKeys = families.contains(BLOCK_KEYS);
            fresh = false;
        } else {
            fresh = StoreDirectory.prepareForWriting(directory);
            withLatest = true;
            withBlockKeys = true;
        }
        // Not every RocksJava class loads the native library in its static initializer (LRUCache does not).
        NativeLibrary.load(directory);
        NativeResources natives = new NativeResources();
        boolean opened = false;
        try {
            Cache cache = natives.own(new LRUCache(settings.blockCacheBytes()));
            Filter metaFilter = natives.own(new BloomFilter(10));
            Filter latestFilter = natives.own(new BloomFilter(10));
            // versions and blocks are read through iterators (seekForPrev, bounded scans), and versions also by
            // point lookups of versions known to exist (blockWrites), which a filter would not speed up. Bloom
            // filters serve point lookups and prefix seeks; a prefix extractor cannot describe the variable-length
            // prefix u32be(len) ‖ key, and a fixed-length one would split one key's versions across prefixes
            // and make seekForPrev miss older versions. So these two families have no filter at all.
            ColumnFamilyOptions defaultOptions = natives.own(family(cache, null, 4L << 20));
            ColumnFamilyOptions versionsOptions =
                    natives.own(family(VERSIONS_BASE, cache, null, settings.writeBufferBytes()));
            ColumnFamilyOptions blocksOptions = natives.own(family(cache, null, settings.writeBufferBytes()));
            // block-keys holds one entry per block, its value all the keys the block wrote (about 1 MB for a block
            // of 20,000 writes), read by a point get (a dump, blockWrites) or a range scan (a rollback). It gets
            // the memtable of the large families; a filter would save little on one lookup per block.
            ColumnFamilyOptions blockKeysOptions = natives.own(family(cache, null, settings.writeBufferBytes()));
            // meta is read with point gets (tip, hash, root, metadata): a whole-key filter helps there, and
            // the two seekForPrev uses in it ignore filters because there is no prefix extractor.
            ColumnFamilyOptions metaOptions = natives.own(family(cache, metaFilter, 4L << 20));
            // latest is read with point gets only (a read at or above a key's newest version, and every read of a
            // key never written): the whole-key filter answers most misses without touching a data block. Its
            // memtables are hash tables of short sorted lists, one per key prefix, instead of one skip list: a get
            // then hashes to its bucket instead of walking a skip list of the whole memtable, whose levels a
            // block's guest code has pushed out of the CPU caches between two reads. A bucket is a linked list
            // (about two entries), not a skip list of its own: a commit's puts then cost less (a list that grows
            // past 256 entries becomes a skip list). A hash memtable needs a
            // prefix extractor: the first LATEST_PREFIX_BYTES bytes of a key, so that nearly every key is its own
            // prefix and longer keys share buckets only with keys of the same first bytes. An iterator over
            // latest must ask for total order (none in this store does; LayoutTwoTest's dump does).
            ColumnFamilyOptions latestOptions = natives.own(family(cache, latestFilter, settings.writeBufferBytes())
                    .useCappedPrefixExtractor(LATEST_PREFIX_BYTES)
                    .setMemTableConfig(new HashLinkedListMemTableConfig()
                            .setBucketCount(Math.max(MIN_BUCKETS, settings.writeBufferBytes() / BYTES_PER_BUCKET))
                            // No histogram of the buckets in the info LOG at every flush.
                            .setIfLogBucketDistWhenFlush(false)));
            DBOptions dbOptions = natives.own(new DBOptions()
                    .setCreateIfMissing(fresh)
                    .setCreateMissingColumnFamilies(!readOnly)
                    .setMaxBackgroundJobs(settings.backgroundJobs())
                    .setBytesPerSync(1L << 20)
                    .setKeepLogFileNum(5)
                    // A hash memtable (latest's) takes one writer at a time; the store has one writer anyway.
                    .setAllowConcurrentMemtableWrite(false));
            if (secondary != null) {
                // A secondary instance must keep every table file open: the primary may delete them after a
                // compaction, and an open handle keeps them readable until the next catch-up.
                dbOptions.setMaxOpenFiles(-1);
                // Every catch-up logs a line to the follower's own info LOG: bounded to 5 files of 16 MiB.
                dbOptions.setMaxLogFileSize(16L << 20);
            }
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>(List.of(
                    new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, defaultOptions),
                    new ColumnFamilyDescriptor(bytes(VERSIONS), versionsOptions),
                    new ColumnFamilyDescriptor(bytes(BLOCKS), blocksOptions),
                    new ColumnFamilyDescriptor(bytes(META), metaOptions)));
            if (withLatest) {
                descriptors.add(new ColumnFamilyDescriptor(bytes(LATEST), latestOptions));
            }
            if (withBlockKeys) {
                descriptors.add(new ColumnFamilyDescriptor(bytes(BLOCK_KEYS), blockKeysOptions));
            }
            List<ColumnFamilyHandle> handles = new ArrayList<>(descriptors.size());
            // Read-only: no LOCK, no info LOG, no WAL replay written back, no obsolete-file deletion; the WAL is
            // replayed in memory, so a reader sees every block a running writer has committed up to this open.
            RocksDB db = secondary != null
                    ? RocksDB.openAsSecondary(
                            dbOptions, directory.toString(), secondary.toString(), descriptors, handles)
                    : readOnly
                            ? RocksDB.openReadOnly(dbOptions, directory.toString(), descriptors, handles)
                            : RocksDB.open(dbOptions, directory.toString(), descriptors, handles);
            natives.onRelease(db::closeE);
            handles.forEach(natives::own);
            WriteOptions syncWrite = natives.own(new WriteOptions().setSync(true));
            OpenedDb result = new OpenedDb(
                    db,
                    handles.get(1),
                    handles.get(2),
                    handles.get(3),
                    withLatest ? handles.get(4) : null,
                    withBlockKeys ? handles.get(descriptors.size() - 1) : null,
                    syncWrite,
                    natives,
                    readOnly,
                    fresh);
            opened = true;
            return result;
        } catch (RocksDBException e) {
            throw StorageFailure.of(directory, "open", e);
        } finally {
            if (!opened) {
                natives.releaseAfterFailedOpen(directory);
            }
        }
    }

    /**
     * What {@code versions}' options start from: a block's writes reach its memtable in key order (one batch, sorted),
     * so each insert starts its skip-list search where the last insert of a key with the same first 8 bytes ended,
     * instead of at the top. RocksJava has no setter for it; RocksDB parses it by name. JMH {@code
     * StoreCommitBenchmark}, runs alternated: 40.2, 38.8, 40.7 and 41.0 ms a commit with it, 44.8, 45.1 and 45.7
     * without (a 1-byte prefix: 44.1 and 44.2).
     */
    private static final java.util.Properties VERSIONS_BASE = new java.util.Properties();

    static {
        VERSIONS_BASE.setProperty("memtable_insert_with_hint_prefix_extractor", "rocksdb.FixedPrefix.8");
    }

    private static ColumnFamilyOptions family(Cache cache, Filter filter, long writeBufferBytes) {
        return family(null, cache, filter, writeBufferBytes);
    }

    /** @param base options RocksDB parses by name first, or null */
    private static ColumnFamilyOptions family(
            java.util.Properties base, Cache cache, Filter filter, long writeBufferBytes) {
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(cache)
                .setBlockSize(16 * 1024)
                .setCacheIndexAndFilterBlocks(true)
                .setPinL0FilterAndIndexBlocksInCache(true);
        if (filter != null) {
            table.setFilterPolicy(filter).setWholeKeyFiltering(true);
        }
        ColumnFamilyOptions options;
        if (base == null) {
            options = new ColumnFamilyOptions();
        } else {
            options = ColumnFamilyOptions.getColumnFamilyOptionsFromProps(base);
            if (options == null) { // RocksJava's answer to options its RocksDB cannot parse
                throw new IllegalStateException("RocksDB refused the column family options " + base);
            }
        }
        return options.setWriteBufferSize(writeBufferBytes)
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setBottommostCompressionType(CompressionType.ZSTD_COMPRESSION)
                .setLevelCompactionDynamicLevelBytes(true)
                .setTableFormatConfig(table);
    }

    private static byte[] bytes(String name) {
        return name.getBytes(StandardCharsets.US_ASCII);
    }
}
