package dev.jshrew.host;

import dev.jshrew.api.engine.MemoryLimits;
import java.time.Duration;

/**
 * Deterministic and operational options of a runner.
 *
 * @param guestMemoryLimitPages the most pages any guest may have (default 65536 = 4 GiB), part of an indexer's
 *     deterministic configuration: the effective limit is min(this, the module's declared maximum)
 * @param commitBytes guest memory to commit physically per instance ({@code --memory-commit}); 0 = off
 * @param reset how instances are reset between calls
 * @param viewTimeout how long one view call (or each stage of a preview) may run before it fails
 *     ({@code --view-timeout}; {@link Duration#ZERO}: no limit). Views only: indexing never times out, so a block's
 *     result cannot depend on the machine's speed
 * @param viewMemoryBytes 0 (views run like the indexer: the guest limit, {@code commitBytes}), or what each view
 *     instance may use and commits at most ({@code serve --view-memory}; min(it, {@code commitBytes})): a view that
 *     grows past it fails with
 *     {@link dev.jshrew.api.engine.Trap#MEMORY_BUDGET} ("view needs more than --view-memory …"). A whole number of
 *     pages, at least one. Enforced on committed instances (not with {@code commitBytes} 0 or a fresh reset). Never
 *     part of the deterministic configuration: it fails a view, never changes its result
 * @param keyFilterBytes the size of the indexer's key filter ({@code --key-filter}; 0: none), rounded down to a
 *     power of two: the keys the store holds, which an engine with {@link
 *     dev.jshrew.api.engine.EngineCapability#KEY_FILTER} uses to answer a read of a key surely absent without a host
 *     call. It takes this much twice (the host's copy and the engine's). Never part of the deterministic
 *     configuration: it changes no result
 * @param readCacheBytes the most the indexer's read cache may hold ({@code --read-cache}; 0: none): the values of
 *     the keys its blocks read lately, kept up to date with the blocks' writes, so that a block's read of one of
 *     them skips the store (on every engine). Counted as keys and values plus {@value ReadCache#ENTRY_OVERHEAD}
 *     bytes an entry, on the JVM's heap. Never part of the deterministic configuration: it changes no result
 * @param valueTableBytes the most the indexer's value table may take ({@code --value-table}; 0: none): with the read
 *     cache and a key filter, on an engine with {@link dev.jshrew.api.engine.EngineCapability#VALUE_TABLE}, the
 *     values of up to 128 bytes of keys of up to 128 bytes the read cache holds, copied where guest code reads them,
 *     so that such a read costs no host call. Slots of {@value dev.jshrew.api.engine.ValueTable#SLOT_BYTES} bytes, a
 *     power of two of them; held twice (the host's copy and the engine's). Never part of the deterministic
 *     configuration: it changes no result
 */
public record RunOptions(
        int guestMemoryLimitPages,
        long commitBytes,
        ResetMode reset,
        Duration viewTimeout,
        long viewMemoryBytes,
        long keyFilterBytes,
        long readCacheBytes,
        long valueTableBytes) {
    /** The default {@link #keyFilterBytes()}: 64 MiB, 16 bits a key for 32 million keys. */
    public static final long DEFAULT_KEY_FILTER_BYTES = 64L << 20;

    /** The default {@link #readCacheBytes()}: 64 MiB, about 450,000 keys of 40 bytes with values of 4. */
    public static final long DEFAULT_READ_CACHE_BYTES = 64L << 20;

    public RunOptions {
        if (keyFilterBytes < 0) {
            throw new IllegalArgumentException("negative key filter size: " + keyFilterBytes);
        }
        if (readCacheBytes < 0) {
            throw new IllegalArgumentException("negative read cache size: " + readCacheBytes);
        }
        if (valueTableBytes < 0) {
            throw new IllegalArgumentException("negative value table size: " + valueTableBytes);
        }
        if (viewMemoryBytes < 0 || viewMemoryBytes % MemoryLimits.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("view memory must be whole 64 KiB pages: " + viewMemoryBytes);
        }
        java.util.Objects.requireNonNull(viewTimeout, "viewTimeout");
        if (viewTimeout.isNegative()) {
            throw new IllegalArgumentException("negative view timeout: " + viewTimeout);
        }
        if (guestMemoryLimitPages < 1 || guestMemoryLimitPages > MemoryLimits.MAX_PAGES) {
            throw new IllegalArgumentException("guest memory limit must be 1..65536 pages: " + guestMemoryLimitPages);
        }
        if (commitBytes < 0) {
            throw new IllegalArgumentException("negative commit size");
        }
        java.util.Objects.requireNonNull(reset, "reset");
    }

    /**
     * The default {@link #valueTableBytes()}: 80 MiB, 2^18 slots (70 MiB) once rounded down, enough for about a
     * quarter of what the default read cache holds.
     */
    public static final long DEFAULT_VALUE_TABLE_BYTES = 80L << 20;

    /** The default value table. */
    public RunOptions(
            int guestMemoryLimitPages,
            long commitBytes,
            ResetMode reset,
            Duration viewTimeout,
            long viewMemoryBytes,
            long keyFilterBytes,
            long readCacheBytes) {
        this(
                guestMemoryLimitPages,
                commitBytes,
                reset,
                viewTimeout,
                viewMemoryBytes,
                keyFilterBytes,
                readCacheBytes,
                DEFAULT_VALUE_TABLE_BYTES);
    }

    /** The default key filter and read cache. */
    public RunOptions(
            int guestMemoryLimitPages, long commitBytes, ResetMode reset, Duration viewTimeout, long viewMemoryBytes) {
        this(
                guestMemoryLimitPages,
                commitBytes,
                reset,
                viewTimeout,
                viewMemoryBytes,
                DEFAULT_KEY_FILTER_BYTES,
                DEFAULT_READ_CACHE_BYTES);
    }

    /** No view memory budget. */
    public RunOptions(int guestMemoryLimitPages, long commitBytes, ResetMode reset, Duration viewTimeout) {
        this(guestMemoryLimitPages, commitBytes, reset, viewTimeout, 0);
    }

    /** No view timeout. */
    public RunOptions(int guestMemoryLimitPages, long commitBytes, ResetMode reset) {
        this(guestMemoryLimitPages, commitBytes, reset, Duration.ZERO);
    }

    /** These options with another view timeout. */
    public RunOptions withViewTimeout(Duration timeout) {
        return new RunOptions(
                guestMemoryLimitPages,
                commitBytes,
                reset,
                timeout,
                viewMemoryBytes,
                keyFilterBytes,
                readCacheBytes,
                valueTableBytes);
    }

    /** These options with another view memory budget (0: none). */
    public RunOptions withViewMemory(long bytes) {
        return new RunOptions(
                guestMemoryLimitPages,
                commitBytes,
                reset,
                viewTimeout,
                bytes,
                keyFilterBytes,
                readCacheBytes,
                valueTableBytes);
    }

    /** These options with another key filter size (0: none). */
    public RunOptions withKeyFilter(long bytes) {
        return new RunOptions(
                guestMemoryLimitPages,
                commitBytes,
                reset,
                viewTimeout,
                viewMemoryBytes,
                bytes,
                readCacheBytes,
                valueTableBytes);
    }

    /** These options with another read cache size (0: none). */
    public RunOptions withReadCache(long bytes) {
        return new RunOptions(
                guestMemoryLimitPages,
                commitBytes,
                reset,
                viewTimeout,
                viewMemoryBytes,
                keyFilterBytes,
                bytes,
                valueTableBytes);
    }

    /** These options with another value table size (0: none). */
    public RunOptions withValueTable(long bytes) {
        return new RunOptions(
                guestMemoryLimitPages,
                commitBytes,
                reset,
                viewTimeout,
                viewMemoryBytes,
                keyFilterBytes,
                readCacheBytes,
                bytes);
    }

    /**
     * The value table's size, as {@link dev.jshrew.api.engine.ValueTable}'s {@code log2Slots}: as many slots as fit
     * in {@link #valueTableBytes()}, rounded down to a power of two, at most the table's largest; -1 for none (no
     * read cache, or below the table's smallest size).
     */
    public int valueTableLog2Slots() {
        long slots = readCacheBytes == 0 ? 0 : valueTableBytes / dev.jshrew.api.engine.ValueTable.SLOT_BYTES;
        if (slots < (1L << dev.jshrew.api.engine.ValueTable.MIN_LOG2_SLOTS)) {
            return -1;
        }
        return Math.min(dev.jshrew.api.engine.ValueTable.MAX_LOG2_SLOTS, 63 - Long.numberOfLeadingZeros(slots));
    }

    /**
     * The key filter's size, as {@link dev.jshrew.api.engine.KeyFilter}'s {@code log2Words}, or -1 for none (below
     * its smallest size).
     */
    public int keyFilterLog2Words() {
        long words = keyFilterBytes / 8;
        if (words < (1L << dev.jshrew.api.engine.KeyFilter.MIN_LOG2_WORDS)) {
            return -1;
        }
        return Math.min(dev.jshrew.api.engine.KeyFilter.MAX_LOG2_WORDS, 63 - Long.numberOfLeadingZeros(words));
    }

    /**
     * The budget of a view instance in pages: 0 when there is none or when it is not below the guest limit (then it
     * changes nothing).
     */
    public int viewMemoryPages() {
        long pages = viewMemoryBytes / MemoryLimits.PAGE_SIZE;
        return pages == 0 || pages >= guestMemoryLimitPages ? 0 : (int) pages;
    }

    /** 4 GiB limit, everything committed, fast reset: the production default. */
    public static RunOptions defaults() {
        return new RunOptions(
                MemoryLimits.MAX_PAGES, (long) MemoryLimits.MAX_PAGES * MemoryLimits.PAGE_SIZE, ResetMode.FAST);
    }
}
