package dev.jshrew.node.snapshot;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.host.BlockResult;
import dev.jshrew.node.sync.SyncListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code serve --snapshot-directory DIR --snapshot-interval N}: after each block whose height is a multiple of N,
 * a checkpoint is taken on the thread that committed the block, before the next block commits (so it is consistent
 * at that height; a checkpoint is hard links and a memtable flush, milliseconds), then packed into
 * {@code DIR/snapshot-H.zip} with its manifest beside it ({@code snapshot-H.json}) on one background thread; the
 * newest {@code keep} snapshots are kept. A failed snapshot is logged and indexing goes on. While one is being packed
 * the next multiples are skipped (logged): indexing faster than packing never queues checkpoints.
 */
public final class SnapshotSchedule implements SyncListener, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SnapshotSchedule.class.getName());
    private static final Pattern NAME = Pattern.compile("snapshot-(\\d+)\\.(zip|json)");

    private final KeyValueStore store;
    private final Path directory;
    private final long interval;
    private final int keep;
    private final AtomicBoolean packing = new AtomicBoolean();
    private final ExecutorService packer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "jshrew-snapshot");
        t.setDaemon(true);
        return t;
    });

    /**
     * @throws JshrewException {@link ErrorCode#INPUT} for an interval or keep below 1, {@link ErrorCode#STORAGE}
     *     for a store that is not {@link dev.jshrew.api.storage.Checkpointable} or a directory that cannot be
     *     created
     */
    public SnapshotSchedule(KeyValueStore store, Path directory, long interval, int keep) {
        if (interval < 1 || keep < 1) {
            throw new JshrewException(ErrorCode.INPUT, "--snapshot-interval and --snapshot-keep must be at least 1");
        }
        if (!(store instanceof dev.jshrew.api.storage.Checkpointable)) {
            throw new JshrewException(
                    ErrorCode.STORAGE, "--snapshot-directory: this store cannot make snapshots (e.g. a --label store)");
        }
        this.store = store;
        this.directory = directory;
        this.interval = interval;
        this.keep = keep;
        try {
            Files.createDirectories(directory);
            for (Path p : Snapshots.sortedFiles(directory)) {
                if (p.getFileName().toString().startsWith(".checkpoint-")
                        || p.getFileName().toString().endsWith(".partial")) {
                    Files.delete(p);
                }
            }
        } catch (IOException e) {
            throw new JshrewException(
                    ErrorCode.STORAGE, "cannot use snapshot directory " + directory + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void indexed(BlockResult result, long remaining) {
        long height = result.height();
        if (height % interval != 0) {
            return;
        }
        if (!packing.compareAndSet(false, true)) {
            // A checkpoint pins its SST files (hard links): queueing them while indexing outruns packing would
            // hold ever more disk, so this height is skipped.
            LOG.log(
                    System.Logger.Level.INFO,
                    "snapshot at height {0,number,#} skipped: the previous one is still being packed",
                    height);
            return;
        }
        Path checkpoint = directory.resolve(".checkpoint-" + height);
        long start = System.nanoTime();
        try {
            Snapshots.deleteTree(checkpoint);
            Snapshots.checkpoint(store, checkpoint);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "snapshot at height {0,number,#} failed: {1}", height, e.toString());
            Snapshots.deleteTree(checkpoint);
            packing.set(false);
            return;
        }
        long checkpointMillis = (System.nanoTime() - start) / 1_000_000;
        packer.execute(() -> {
            try {
                pack(checkpoint, height, checkpointMillis);
            } finally {
                packing.set(false);
            }
        });
    }

    private void pack(Path checkpoint, long height, long checkpointMillis) {
        long start = System.nanoTime();
        try {
            Path zip = directory.resolve(Snapshots.fileName(height));
            SnapshotManifest m = Snapshots.pack(checkpoint, zip);
            Path json = directory.resolve("snapshot-" + height + ".json");
            Path partial = directory.resolve("snapshot-" + height + ".json.partial");
            Files.write(partial, m.toJson());
            Files.move(partial, json, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            LOG.log(
                    System.Logger.Level.INFO,
                    "snapshot at height {0,number,#}: {1} ({2,number,#} bytes): checkpoint {3,number,#} ms on the"
                            + " committing thread, packed in {4,number,#} ms",
                    height,
                    zip,
                    Files.size(zip),
                    checkpointMillis,
                    (System.nanoTime() - start) / 1_000_000);
            prune();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "snapshot at height {0,number,#} failed: {1}", height, e.toString());
        }
    }

    private void prune() throws IOException {
        List<Long> heights = heights(directory);
        for (int i = 0; i < heights.size() - keep; i++) {
            long h = heights.get(i);
            Files.deleteIfExists(directory.resolve("snapshot-" + h + ".json"));
            Files.deleteIfExists(directory.resolve(Snapshots.fileName(h)));
        }
    }

    /** The heights of the complete snapshots in {@code directory} (a manifest beside its archive), ascending. */
    static List<Long> heights(Path directory) throws IOException {
        List<Long> out = new ArrayList<>();
        for (Path p : Snapshots.sortedFiles(directory)) {
            Matcher m = NAME.matcher(p.getFileName().toString());
            if (m.matches() && m.group(2).equals("json")) {
                long h = Long.parseLong(m.group(1));
                if (Files.isRegularFile(directory.resolve(Snapshots.fileName(h)))) {
                    out.add(h);
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** The newest complete snapshot's manifest file in {@code directory}. */
    public static Optional<Path> latest(Path directory) throws IOException {
        List<Long> h = heights(directory);
        return h.isEmpty() ? Optional.empty() : Optional.of(directory.resolve("snapshot-" + h.getLast() + ".json"));
    }

    /** Whether {@code name} is a file this schedule writes (what {@code GET /snapshots/NAME} may serve). */
    public static boolean servable(String name) {
        return NAME.matcher(name).matches();
    }

    /** Waits until the snapshots handed to the packing thread so far are written (tests). */
    void awaitPacked() throws Exception {
        packer.submit(() -> {}).get(10, TimeUnit.MINUTES);
    }

    /** Waits (up to 10 minutes) for the snapshot being packed, then stops the packing thread. */
    @Override
    public void close() {
        packer.shutdown();
        try {
            if (!packer.awaitTermination(10, TimeUnit.MINUTES)) {
                packer.shutdownNow();
            }
        } catch (InterruptedException e) {
            packer.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
