package dev.jshrew.host;

import dev.jshrew.api.engine.ValueTable;
import dev.jshrew.host.abi.BlockWrites;
import dev.jshrew.host.abi.ByteKey;
import dev.jshrew.host.abi.StateReader;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The values of the keys the indexer's blocks read lately, as of its last block: a block's read of one of them skips
 * the store. A read the store answers is kept (also a key it lacks, as an empty value); a block's writes update the
 * keys kept and add none (most written keys are never read again, and adding them cost more than the reads saved).
 * Bounded by bytes ({@link #ENTRY_OVERHEAD} an entry besides its key and value), the least recently used out first.
 *
 * <p>It holds the state as of one height, {@link #height()}. The reads of block H go through it only when it holds
 * H-1, that is when the block before ran through this indexer and nothing ran between them; otherwise it is emptied
 * first. A rollback, a reorg, a retried block, a failed commit or another runner's blocks can therefore only cost it
 * its entries: each of them changes the store at a height the cache does not expect. Values are shared, never
 * copied: nothing writes into a value array once it is read or flushed. Confined to the indexing thread.
 *
 * <p>With a {@link ValueTable}, the table holds some of the entries (those that fit, the ones last read of each of its
 * slots) and never a key the cache does not: a key read, from the cache or the store, is put into it; a write updates
 * it; an eviction drops it; emptying the cache empties it.
 */
final class ReadCache {
    /** Bytes counted for an entry besides its key and value: the map's entry, the key object, two array headers. */
    static final int ENTRY_OVERHEAD = 96;

    private final long capacityBytes;
    private final LinkedHashMap<ByteKey, byte[]> entries = new LinkedHashMap<>(1 << 16, 0.75f, true);
    /** Values guest code may read, a subset of the entries; null without one. */
    private final ValueTable table;

    private long bytes;
    /** The height whose state the entries hold; {@link Long#MIN_VALUE} when none yet. */
    private long height = Long.MIN_VALUE;

    private long hits;
    private long misses;

    ReadCache(long capacityBytes) {
        this(capacityBytes, null);
    }

    /** @param table kept a subset of the entries (see the class comment), or null */
    ReadCache(long capacityBytes, ValueTable table) {
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("read cache capacity must be positive: " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
        this.table = table;
    }

    /**
     * Reads for block {@code blockHeight}, whose reads see the state as of {@code blockHeight - 1}: through the
     * cache, then {@code below} (which must read that state). When the cache holds another height it is emptied
     * first, and holds {@code blockHeight - 1} from then on.
     */
    StateReader readsFor(long blockHeight, StateReader below) {
        if (height != blockHeight - 1) {
            clear();
            height = blockHeight - 1;
        }
        return key -> {
            ByteKey k = new ByteKey(key);
            byte[] value = entries.get(k);
            if (value != null) {
                hits++;
                if (table != null) {
                    table.put(key, value); // the last read of its slot
                }
                return value;
            }
            misses++;
            value = below.get(key);
            put(k, value);
            return value;
        };
    }

    /** Block {@code blockHeight} wrote {@code writes} on top of the state the cache holds: it now holds that block. */
    void advance(long blockHeight, BlockWrites writes) {
        if (height != blockHeight - 1) {
            clear();
        } else {
            writes.forEach((key, value) -> {
                byte[] old = entries.replace(key, value); // only a key kept: replace adds none
                if (old != null) {
                    bytes += value.length - old.length;
                    if (table != null) {
                        table.update(key.bytes(), value);
                    }
                }
            });
            evict();
        }
        height = blockHeight;
    }

    /** Forgets every entry (the store changed under the cache, or may have). */
    void clear() {
        if (table != null) {
            table.clear();
        }
        entries.clear();
        bytes = 0;
        height = Long.MIN_VALUE;
    }

    long height() {
        return height;
    }

    int size() {
        return entries.size();
    }

    long bytes() {
        return bytes;
    }

    /** Reads answered by the cache so far. */
    long hits() {
        return hits;
    }

    /** Reads that went to the store below so far. */
    long misses() {
        return misses;
    }

    private void put(ByteKey key, byte[] value) {
        long weight = weight(key.bytes(), value);
        if (weight > capacityBytes) {
            byte[] old = entries.remove(key);
            if (old != null) {
                bytes -= weight(key.bytes(), old);
            }
            if (table != null) {
                table.remove(key.bytes());
            }
            return;
        }
        if (table != null) {
            table.put(key.bytes(), value);
        }
        byte[] old = entries.put(key, value);
        bytes += weight - (old == null ? 0 : weight(key.bytes(), old));
        evict();
    }

    /** Drops the least recently used entries until the cache is within its capacity. */
    private void evict() {
        var it = entries.entrySet().iterator();
        while (bytes > capacityBytes) {
            Map.Entry<ByteKey, byte[]> eldest = it.next();
            bytes -= weight(eldest.getKey().bytes(), eldest.getValue());
            if (table != null) {
                table.remove(eldest.getKey().bytes());
            }
            it.remove();
        }
    }

    private static long weight(byte[] key, byte[] value) {
        return (long) key.length + value.length + ENTRY_OVERHEAD;
    }
}
