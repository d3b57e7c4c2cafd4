package dev.jshrew.node.sync;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.ChainIndex;
import dev.jshrew.host.CrashPoint;
import dev.jshrew.host.GuestCallException;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.Indexer;
import dev.jshrew.host.bitcoin.BlockHeader;
import dev.jshrew.node.chain.ChainSource;
import dev.jshrew.node.chain.SourceException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The node's indexing loop (METASHREW-ABI §4, §8): takes blocks from a {@link Fetcher} in height order, checks each
 * one against the source and the stored chain, handles reorgs, runs and commits it through the {@link Indexer}.
 * Runs on the calling thread; the indexer, the store and the source stay the caller's.
 *
 * <ul>
 *   <li><b>Start</b> (§8.4, C-69): an empty store starts at {@code --start-block}; a store at tip N resumes at
 *       max(N+1, start). An indexed height of 0 is a tip like any other (the original re-indexes block 0).
 *   <li><b>Exit</b> (C-68): heights at or above {@code --exit-at E} are never fetched, and {@link #run} returns once
 *       E-1 is indexed, whatever the start was (the original idles for ever when it started above 0).
 *   <li><b>Checks</b> (live sources, §4 detection B): a block whose header hash is not the hash bitcoind gave for
 *       its height is rejected and fetched again (C-50); a block whose previous hash is not the stored hash of H-1
 *       is not indexed and starts reorg handling (C-49).
 *   <li><b>Reorgs</b> (§4 detection A and the Java rules, C-45…C-48): while caught up, the stored tip's hash is
 *       compared with bitcoind's every poll (and the hashes below it, {@code --reorg-check-threshold} in all; 0: no
 *       check). On a mismatch the node walks down from the tip to the highest height
 *       whose stored hash equals bitcoind's (a height with nothing stored ends the walk: nothing there to undo),
 *       rolls back to it atomically (every version, hash and root above it), and re-indexes from the next height.
 *       A walk longer than {@code --max-reorg-depth} stops the node with an error instead of rolling back to a
 *       height that is not a common ancestor (the original's defect).
 *   <li><b>Failures</b> (C-33): a failed block commits nothing. From a live source it is fetched and run again at
 *       the same height with backoff, for ever; from files it ends the run with the block's error.
 * </ul>
 */
public final class Sync {
    private static final System.Logger LOG = System.getLogger(Sync.class.getName());

    private final ChainSource source;
    private final Indexer indexer;
    private final ChainIndex chain;
    private final ChainState state;
    private final SyncOptions options;
    private final SyncListener listener;
    private final long exitAt;
    private volatile boolean stopped;
    private volatile Fetcher fetcher;
    /** Blocks durable in this run (the indexer tells each one, overlapped commits included). */
    private long indexed;

    public Sync(ChainSource source, Indexer indexer, ChainState state, SyncOptions options, SyncListener listener) {
        this.source = source;
        this.indexer = indexer;
        this.chain = state.chain();
        this.state = state;
        this.options = options;
        this.listener = listener;
        this.exitAt = options.exitAt().orElse(Long.MAX_VALUE);
    }

    /** How often a block still running is logged: system property {@value #RUNNING_LOG_PROPERTY} (ms), 60 s. */
    public static final String RUNNING_LOG_PROPERTY = "jshrew.block.running.log.ms";

    private volatile long runningHeight = -1;
    private volatile long runningSince;

    /**
     * The chain source's tip as last seen (-1: not known yet): bitcoind's {@code getblockcount} as the fetcher last
     * polled it, or the highest block of a fixed source. With the indexed tip it gives the chain lag.
     */
    public long chainTip() {
        if (source.live()) {
            Fetcher f = fetcher;
            return f == null ? -1 : f.knownBest();
        }
        return source.bestHeight();
    }

    /** Seconds the block now in the guest has been running (reset, run and commit); 0 between blocks. */
    public double runningSeconds() {
        long since = runningSince;
        return runningHeight < 0 ? 0 : (System.nanoTime() - since) / 1e9;
    }

    /** Logs "block H running for N s" every interval while one block runs (a _start that never returns). */
    private void watchRunningBlock() {
        long interval = Math.max(1, Long.getLong(RUNNING_LOG_PROPERTY, 60_000));
        long reported = -1, reports = 0;
        try {
            while (true) {
                Thread.sleep(Math.max(1, interval / 10));
                long height = runningHeight;
                long since = runningSince;
                if (height != reported) {
                    reported = height;
                    reports = 0;
                }
                if (height < 0) {
                    continue;
                }
                long elapsedMs = (System.nanoTime() - since) / 1_000_000;
                if (elapsedMs >= (reports + 1) * interval) {
                    reports = elapsedMs / interval;
                    String line = "block " + height + " running for " + elapsedMs / 1000 + " s";
                    LOG.log(Level.WARNING, line);
                }
            }
        } catch (InterruptedException e) {
            // run() ended
        }
    }

    /** Asks {@link #run} to return soon (it checks between blocks). Thread-safe. */
    public void stop() {
        stopped = true;
    }

    /** The height indexing starts or resumes at, given the store's tip (§8.4 with the Java fixes). */
    public static long startHeight(long tip, long startBlock) {
        return tip < 0 ? startBlock : Math.max(tip + 1, startBlock);
    }

    /**
     * Indexes until exit-at is reached, a fixed source has no more blocks, or {@link #stop()}; follows a live
     * source for ever otherwise.
     *
     * @return the number of blocks indexed
     * @throws GuestCallException when a block from a fixed source fails
     * @throws JshrewException on storage failures, a reorg deeper than the limit, or a fatal source failure
     */
    public long run() throws InterruptedException {
        long tip = state.tip();
        long next = startHeight(tip, options.startBlock());
        if (tip >= 0 && options.startBlock() > tip + 1) {
            LOG.log(
                    Level.INFO,
                    "--start-block {0} is above the indexed tip {1}: heights {2}…{3} are skipped",
                    options.startBlock(),
                    tip,
                    tip + 1,
                    options.startBlock() - 1);
        }
        if (next >= exitAt) {
            LOG.log(Level.INFO, "nothing to do: the next height {0} is at or above --exit-at {1}", next, exitAt);
            listener.finished(tip);
            return 0;
        }
        LOG.log(
                Level.INFO,
                "syncing from {0} at height {1}{2}",
                source.describe(),
                next,
                exitAt == Long.MAX_VALUE ? "" : " until " + (exitAt - 1));
        indexed = 0;
        indexer.onCommitted(result -> {
            indexed++;
            state.countBlock();
            listener.indexed(result, remainingAfter(result.height()));
        });
        int failures = 0;
        long lastTipCheck = System.nanoTime();
        fetcher = newFetcher(next);
        Thread watch = Thread.ofPlatform().daemon().name("jshrew-block-watch").start(this::watchRunningBlock);
        listener.starting(next, source.live() ? -1 : source.blocksBetween(next, exitAt, source.bestHeight()));
        try {
            while (!stopped) {
                Fetcher.Item item = fetcher.poll(
                        Duration.ofMillis(Math.min(200, options.pollInterval().toMillis())));
                if (item == null) {
                    if (fetcher.finished()) {
                        break;
                    }
                    if (source.live()
                            && fetcher.caughtUp()
                            && System.nanoTime() - lastTipCheck
                                    >= options.pollInterval().toNanos()) {
                        lastTipCheck = System.nanoTime();
                        checkTip();
                    }
                    continue;
                }
                if (item instanceof Fetcher.Failed failed) {
                    throw failed.error();
                }
                Fetcher.Fetched block = (Fetcher.Fetched) item;
                long height = block.height();
                if (source.live() && !connects(block)) {
                    continue;
                }
                try {
                    runningSince = System.nanoTime();
                    runningHeight = height;
                    try {
                        indexer.submitBlock(height, block.block()); // told to the listener once durable
                    } finally {
                        runningHeight = -1;
                    }
                    failures = 0;
                    if (height + 1 >= exitAt) {
                        break;
                    }
                } catch (GuestCallException e) {
                    if (!source.live()) {
                        throw e;
                    }
                    failures++;
                    Duration delay = options.backoff().delay("block " + height, failures);
                    LOG.log(
                            Level.WARNING,
                            "block {0} failed (attempt {1}), fetching and running it again in {2,number,#} ms: {3}",
                            height,
                            failures,
                            delay.toMillis(),
                            e.getMessage());
                    listener.blockFailed(height, e, delay);
                    fetcher.close();
                    Thread.sleep(delay.toMillis());
                    fetcher = newFetcher(height);
                }
            }
        } finally {
            watch.interrupt();
            fetcher.close();
            try {
                // The block in flight is durable (or its commit failed) before the run ends, after a failure too.
                indexer.awaitCommitted();
            } finally {
                listener.finished(state.tip());
            }
        }
        return indexed;
    }

    private long remainingAfter(long height) {
        if (source.live()) {
            long best = fetcher.knownBest();
            return best < 0 ? -1 : Math.max(0, Math.min(best, exitAt - 1) - height);
        }
        return source.blocksBetween(height + 1, exitAt, source.bestHeight());
    }

    private Fetcher newFetcher(long from) {
        return new Fetcher(source, from, exitAt, options.pipelineSize(), options.backoff(), options.pollInterval());
    }

    /**
     * Detection B: the block is bitcoind's block for its height (C-50) and extends the stored chain (C-49). Handles
     * the failure (refetch, or reorg) and returns false when it does not.
     */
    private boolean connects(Fetcher.Fetched block) throws InterruptedException {
        long height = block.height();
        byte[] bytes = block.block();
        byte[] actual = bytes.length >= BlockHeader.SIZE ? BlockHeader.hash(bytes) : null;
        if (actual == null || !Arrays.equals(actual, block.hash())) {
            LOG.log(
                    Level.WARNING,
                    "rejected block {0}: its header hashes to {1}, but bitcoind gave {2} for "
                            + "that height; fetching it again",
                    height,
                    actual == null ? "(no 80-byte header)" : Hashes.hex(actual),
                    Hashes.hex(block.hash()));
            fetcher.close();
            Thread.sleep(options.backoff().delay("rejected " + height, 1).toMillis());
            fetcher = newFetcher(height);
            return false;
        }
        // The indexer knows the block below even while its overlapped commit is still being written.
        Optional<byte[]> previous = height == 0 ? Optional.empty() : indexer.blockHash(height - 1);
        if (previous.isPresent() && !Arrays.equals(previous.get(), BlockHeader.previousHash(bytes))) {
            LOG.log(
                    Level.WARNING,
                    "block {0} {1} does not connect to previous block {2} (its previous hash is {3}): reorg",
                    height,
                    Hashes.hex(actual),
                    Hashes.hex(previous.get()),
                    Hashes.hex(BlockHeader.previousHash(bytes)));
            reorg(height - 1);
            return false;
        }
        return true;
    }

    /**
     * Detection A: the {@code --reorg-check-threshold} most recent indexed blocks (tip first) are still bitcoind's
     * blocks at their heights. A mismatch at any of them starts the walk down from the tip.
     */
    private void checkTip() throws InterruptedException {
        indexer.awaitCommitted(); // the store's tip is then the last block indexed
        long tip = state.tip();
        for (long h = tip; h >= 0 && h > tip - options.reorgCheckThreshold(); h--) {
            Optional<byte[]> stored = chain.blockHash(h);
            if (stored.isEmpty()) {
                return; // a gap (--start-block): nothing stored below to compare
            }
            Optional<byte[]> remote;
            try {
                remote = source.blockHash(h);
            } catch (SourceException e) {
                LOG.log(Level.DEBUG, "reorg check failed: {0}", e.getMessage());
                return;
            }
            if (remote.isEmpty() || !Arrays.equals(remote.get(), stored.get())) {
                LOG.log(
                        Level.WARNING,
                        "the indexed block {0} {1} is no longer bitcoind''s block at that height ({2}): reorg",
                        h,
                        Hashes.hex(stored.get()),
                        remote.map(Hashes::hex).orElse("none"));
                reorg(tip);
                return;
            }
        }
    }

    /** Rolls back to the fork point at or below {@code from} and restarts fetching above it. */
    private void reorg(long from) throws InterruptedException {
        fetcher.close();
        indexer.awaitCommitted();
        long fork = forkPoint(from);
        long tip = state.tip();
        CrashPoint.reach("rollback", fork);
        state.rollback(fork);
        CrashPoint.reach("rolledback", fork);
        LOG.log(Level.WARNING, "reorg: rolled back from {0} to {1}; re-indexing from {2}", tip, fork, fork + 1);
        listener.reorg(tip, fork);
        long next = fork < 0 ? options.startBlock() : fork + 1;
        fetcher = newFetcher(next);
    }

    /** The highest height at or below {@code from} whose stored hash is bitcoind's (or that has none stored). */
    private long forkPoint(long from) throws InterruptedException {
        for (long h = from; h >= 0; h--) {
            if (from - h >= options.maxReorgDepth()) {
                throw new JshrewException(
                        ErrorCode.INPUT,
                        "reorg deeper than --max-reorg-depth " + options.maxReorgDepth()
                                + ": no stored block from " + (from - options.maxReorgDepth() + 1) + " to " + from
                                + " is on bitcoind's chain; refusing to roll back to a height "
                                + "that is not a common ancestor");
            }
            Optional<byte[]> stored = chain.blockHash(h);
            if (stored.isEmpty()) {
                return h;
            }
            long height = h;
            Optional<byte[]> remote = retry("getblockhash " + h, () -> source.blockHash(height));
            if (remote.isPresent() && Arrays.equals(remote.get(), stored.get())) {
                return h;
            }
        }
        return -1;
    }

    private <T> T retry(String what, Supplier<T> call) throws InterruptedException {
        return options.backoff().retry(LOG, what, call, () -> stopped);
    }
}
