package dev.jshrew.storage.rocksdb;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The operator-tunable settings of the store, parsed strictly from {@code storage.rocksdb.*} options (given here
 * without the prefix). Immutable.
 *
 * @param blockCacheBytes size of the block cache shared by all column families
 * @param writeBufferBytes memtable size of the two large column families
 * @param backgroundJobs flush and compaction threads
 */
record RocksDbSettings(long blockCacheBytes, long writeBufferBytes, int backgroundJobs) {
    static final String BLOCK_CACHE_MB = "block-cache-mb";
    static final String WRITE_BUFFER_MB = "write-buffer-mb";
    static final String BACKGROUND_JOBS = "background-jobs";
    private static final Set<String> KNOWN = Set.of(BLOCK_CACHE_MB, WRITE_BUFFER_MB, BACKGROUND_JOBS);

    private static final long MIB = 1024L * 1024L;

    /** Defaults sized for a small indexer machine (2 cores). */
    static final RocksDbSettings DEFAULTS = new RocksDbSettings(256 * MIB, 64 * MIB, 2);

    /**
     * @throws JshrewException {@link ErrorCode#INPUT} for an unknown key or a value out of range
     */
    static RocksDbSettings parse(Map<String, String> options) {
        Objects.requireNonNull(options, "options");
        for (String key : options.keySet()) {
            if (!KNOWN.contains(key)) {
                throw new JshrewException(
                        ErrorCode.INPUT,
                        "unknown option storage.rocksdb." + key + " (known: " + String.join(", ", new TreeSet<>(KNOWN))
                                + ")");
            }
        }
        return new RocksDbSettings(
                number(options, BLOCK_CACHE_MB, DEFAULTS.blockCacheBytes / MIB, 1, 1L << 20) * MIB,
                number(options, WRITE_BUFFER_MB, DEFAULTS.writeBufferBytes / MIB, 1, 4096) * MIB,
                (int) number(options, BACKGROUND_JOBS, DEFAULTS.backgroundJobs, 1, 64));
    }

    private static long number(Map<String, String> options, String key, long fallback, long min, long max) {
        String text = options.get(key);
        if (text == null) {
            return fallback;
        }
        long value;
        try {
            value = Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new JshrewException(
                    ErrorCode.INPUT, "option storage.rocksdb." + key + " is not a number: '" + text + "'", e);
        }
        if (value < min || value > max) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    "option storage.rocksdb." + key + " = " + value + " is outside [" + min + ", " + max + "]");
        }
        return value;
    }
}
