package dev.jshrew.node.sync;

import dev.jshrew.node.chain.Backoff;
import dev.jshrew.node.chain.ChainSource;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Fetches blocks ahead of the indexer on its own thread, in height order, into a bounded queue (the pipeline):
 * at most {@code capacity} blocks wait, so memory stays bounded however far behind the indexer is. Transient
 * source failures are retried with {@link Backoff} at the same height, for ever; a height is never skipped.
 * A fatal failure is queued in order, after the blocks before it. The indexing thread owns the fetcher and
 * replaces it (close, then a new one) when it must restart at another height (a reorg, a retried block).
 */
public final class Fetcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Fetcher.class.getName());

    /** What the queue holds. */
    public sealed interface Item permits Fetched, Failed {}

    /** One block. */
    public record Fetched(long height, byte[] hash, byte[] block) implements Item {}

    /** A fatal failure of the source; nothing follows it. */
    public record Failed(RuntimeException error) implements Item {}

    private final ChainSource source;
    private final long exitAt;
    private final Backoff backoff;
    private final Duration poll;
    private final BlockingQueue<Item> queue;
    private final Thread thread;
    private volatile boolean caughtUp;
    private volatile boolean finished;
    private volatile long knownBest = -1;
    private volatile boolean closed;

    /**
     * @param from the first height to fetch
     * @param exitAt heights at or above it are never fetched ({@code Long.MAX_VALUE} for none)
     */
    public Fetcher(ChainSource source, long from, long exitAt, int capacity, Backoff backoff, Duration poll) {
        this.source = source;
        this.exitAt = exitAt;
        this.backoff = backoff;
        this.poll = poll;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = Thread.ofPlatform().name("jshrew-fetch-" + from).daemon().unstarted(() -> loop(from));
        thread.start();
    }

    /** The next item, or null after {@code timeout}. */
    public Item poll(Duration timeout) throws InterruptedException {
        return queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Whether the fetcher has everything the source has and waits for more (live sources). */
    public boolean caughtUp() {
        return caughtUp && queue.isEmpty();
    }

    /** Whether the fetcher has fetched everything it ever will (a fixed source's last file, or exit-at). */
    public boolean finished() {
        return finished && queue.isEmpty();
    }

    /** The best height the source last reported, -1 before the first answer. */
    public long knownBest() {
        return knownBest;
    }

    private void loop(long from) {
        long next = from;
        long best = -1;
        try {
            while (!closed) {
                if (next >= exitAt) {
                    finished = true;
                    return;
                }
                long height;
                if (source.live()) {
                    if (next > best) {
                        best = retry("getblockcount", source::bestHeight);
                        knownBest = best;
                    }
                    if (next > best) {
                        caughtUp = true;
                        Thread.sleep(poll.toMillis());
                        continue;
                    }
                    height = next;
                } else {
                    long h = next;
                    height = retry("next block", () -> source.nextHeight(h));
                    knownBest = source.bestHeight();
                    if (height < 0 || height >= exitAt) {
                        finished = true;
                        return;
                    }
                }
                caughtUp = false;
                byte[] hash = null;
                if (source.live()) {
                    long h = height;
                    var found = retry("getblockhash " + h, () -> source.blockHash(h));
                    if (found.isEmpty()) {
                        best = -1; // the chain got shorter under us: ask for the count again
                        continue;
                    }
                    hash = found.get();
                }
                long h = height;
                byte[] hashFinal = hash;
                byte[] block = retry("getblock " + h, () -> source.block(h, hashFinal));
                queue.put(new Fetched(height, hash, block));
                next = height + 1;
            }
        } catch (InterruptedException e) {
            // closed
        } catch (RuntimeException e) {
            try {
                queue.put(new Failed(e));
            } catch (InterruptedException ignored) {
                // closed
            }
        }
    }

    private <T> T retry(String what, java.util.function.Supplier<T> call) throws InterruptedException {
        return backoff.retry(LOG, what, call, () -> closed);
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        queue.clear();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.clear();
    }
}
