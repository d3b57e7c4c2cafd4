package dev.jshrew.node.chain;

import java.util.Optional;

/**
 * Where blocks come from: bitcoind's JSON-RPC ({@link BitcoindClient}) or block files. Methods may block on I/O
 * and are called from the fetcher thread and, for reorg checks, from the indexing thread; implementations are
 * thread-safe.
 *
 * <p>A transient failure (transport error, unparseable answer, a bitcoind error that may pass) is a
 * {@link SourceException}: the node retries it with backoff and never skips a height. Anything else is fatal.
 */
public interface ChainSource {
    /**
     * Whether this source follows a live chain that can reorganise (bitcoind). A live source's blocks are checked
     * against the stored chain (header hash, previous hash) and a failed block is retried; a fixed source (block
     * files) is trusted as given, and a failed block stops the run.
     */
    boolean live();

    /** The best (highest) height the source has now, or -1 when it has none. */
    long bestHeight();

    /**
     * The lowest height at or above {@code from} that the source has a block for, or -1 when none (yet). A live
     * source has every height up to {@link #bestHeight()}; files may have gaps.
     */
    default long nextHeight(long from) {
        return from <= bestHeight() ? from : -1;
    }

    /**
     * The hash the source reports for {@code height} (display byte order), or empty when it has no block there (a
     * height above its best, e.g. after a reorg to a shorter chain). A fixed source that cannot vouch for hashes
     * independently of the block bytes returns empty.
     */
    Optional<byte[]> blockHash(long height);

    /** The raw serialized block at {@code height} with the given hash (null for a fixed source). */
    byte[] block(long height, byte[] hash);

    /**
     * How many blocks the source has in {@code [from, toExclusive)}, for progress; a live source answers from
     * {@code best}, the best height it last reported (no I/O).
     */
    default long blocksBetween(long from, long toExclusive, long best) {
        return Math.max(0, Math.min(best + 1, toExclusive) - from);
    }

    /** For log lines, e.g. {@code bitcoind http://127.0.0.1:8332}. */
    String describe();
}
