package dev.jshrew.host.abi;

import java.util.Arrays;
import java.util.Objects;

/**
 * Per-call state of the host ABI: the input, where reads go, and (in index mode) the block's buffered writes.
 * One per instance, re-armed before every call with {@link #arm}; confined to the instance's thread.
 */
public final class CallContext {
    /** What a call is for. */
    public enum Mode {
        /** {@code _start} for a block: flushes are buffered and committed by the caller when the block succeeds. */
        INDEX,
        /** A view: {@code __flush} is a no-op. */
        VIEW
    }

    private Mode mode = Mode.VIEW;
    private long height;
    private byte[] payload = new byte[0];
    private StateReader reader = key -> new byte[0];
    private boolean readOwnWrites;
    private BlockWrites writes = new BlockWrites();
    private boolean completed;
    private String failure;
    // The last key read and its value: a guest asks __get_len and then __get for the same key (every metashrew
    // guest does), so the second read is served from here instead of the store. Dropped when the call's state can
    // change (arm, a flush).
    private byte[] lastKey;
    private byte[] lastValue;
    // Reads that reached the store in this call, and their time: the store's share of the call (the rest is the
    // guest's code and the host-call crossings). Two nanoTime calls per store read.
    private int storeReads;
    private long storeReadNanos;

    /**
     * Prepares for a call.
     *
     * @param mode index or view
     * @param height the context height written in the first 4 input bytes
     * @param payload block bytes (index) or view input (view)
     * @param reader reads at the right height
     * @param readOwnWrites whether reads see this call's own flushed pairs first (index at height 0 only, S-2)
     */
    public void arm(Mode mode, long height, byte[] payload, StateReader reader, boolean readOwnWrites) {
        this.mode = Objects.requireNonNull(mode);
        this.height = height;
        this.payload = Objects.requireNonNull(payload);
        this.reader = Objects.requireNonNull(reader);
        this.readOwnWrites = readOwnWrites;
        this.writes = new BlockWrites();
        this.completed = false;
        this.failure = null;
        this.lastKey = null;
        this.lastValue = null;
        this.storeReads = 0;
        this.storeReadNanos = 0;
    }

    /** Reads of this call that reached the store (not served by the call's own writes or the last read). */
    public int storeReads() {
        return storeReads;
    }

    /** Time spent in the {@link #storeReads()}, in nanoseconds. */
    public long storeReadNanos() {
        return storeReadNanos;
    }

    public Mode mode() {
        return mode;
    }

    public long height() {
        return height;
    }

    public byte[] payload() {
        return payload;
    }

    /**
     * Whether a key's value stays the same for the rest of the call: reads go to the store at one height, not to
     * the call's own writes (which a flush changes; index mode at height 0 only).
     */
    boolean readsAreStable() {
        return !readOwnWrites;
    }

    byte[] read(byte[] key) {
        if (lastKey != null && Arrays.equals(lastKey, key)) {
            return lastValue;
        }
        byte[] value = readThrough(key);
        lastKey = key;
        lastValue = value;
        return value;
    }

    private byte[] readThrough(byte[] key) {
        if (readOwnWrites) {
            byte[] own = writes.get(key);
            if (own != null) {
                return own;
            }
        }
        long start = System.nanoTime();
        byte[] value = reader.get(key);
        storeReadNanos += System.nanoTime() - start;
        storeReads++;
        return value;
    }

    void flushed(java.util.List<FlushDecoder.Pair> pairs) {
        lastKey = null;
        lastValue = null;
        for (FlushDecoder.Pair p : pairs) {
            writes.put(p.key(), p.value());
        }
        completed = true;
    }

    void fail(String reason) {
        if (failure == null) {
            failure = reason;
        }
    }

    /** Final value per key of every successful flush of the call ({@link BlockWrites#sorted()}: in key order). */
    public BlockWrites writes() {
        return writes;
    }

    /** Whether at least one {@code __flush} succeeded. */
    public boolean completed() {
        return completed;
    }

    /** Why the guest's call counts as failed (a malformed flush, {@code abort}), or null. */
    public String failure() {
        return failure;
    }
}
