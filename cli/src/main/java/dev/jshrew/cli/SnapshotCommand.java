package dev.jshrew.cli;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.host.Storages;
import dev.jshrew.node.snapshot.SnapshotManifest;
import dev.jshrew.node.snapshot.Snapshots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jshrew snapshot create|restore}: verified snapshots of a database (node's {@link Snapshots}). */
@Command(
        name = "snapshot",
        description = {
            "Verified snapshots of a database: a RocksDB checkpoint packed as a zip archive with a manifest (height,"
                    + " block hash, state root, indexer SHA-256 and history, guest memory limit, every file's"
                    + " SHA-256 and size).",
            "A running node makes them itself: serve --snapshot-directory DIR --snapshot-interval N."
        },
        subcommands = {SnapshotCommand.Create.class, SnapshotCommand.Restore.class})
final class SnapshotCommand {
    @Command(
            name = "create",
            description = {
                "Snapshot a stopped database into FILE (a zip archive). While a node holds the database it is"
                        + " refused (exit 17): RocksDB cannot checkpoint a database another process writes (a"
                        + " read-only open would miss the blocks still in its write-ahead log); let the node make"
                        + " them with --snapshot-directory instead."
            })
    static final class Create implements Callable<Integer> {
        @Mixin
        DatabaseDir database;

        @Option(
                names = "--out",
                required = true,
                paramLabel = "FILE",
                description = "the snapshot archive to write (replaced if it exists)")
        Path out;

        @Override
        public Integer call() {
            DatabaseLock.refuseWhileHeld(
                    database.db,
                    ": a snapshot of a running node is made by the node itself (serve --snapshot-directory DIR"
                            + " --snapshot-interval N); stop it to snapshot here. Nothing written");
            // A read-only open first: it refuses a missing, empty or foreign directory without creating anything.
            try (KeyValueStore check =
                    Storages.open(database.db, dev.jshrew.api.storage.StorageProvider.Access.READ_ONLY)) {
                if (check.tip().isEmpty()) {
                    throw new JshrewException(
                            ErrorCode.INPUT, "the database " + database.db + " has no block: nothing to" + " snapshot");
                }
            }
            Path target = out.toAbsolutePath().normalize();
            Path checkpoint = target.resolveSibling("." + target.getFileName() + ".checkpoint");
            long start = System.nanoTime();
            SnapshotManifest m;
            try (KeyValueStore store = Storages.open(database.db)) {
                if (Files.exists(checkpoint)) {
                    throw new JshrewException(ErrorCode.STORAGE, checkpoint + " exists (another snapshot running?)");
                }
                Snapshots.checkpoint(store, checkpoint);
            }
            m = Snapshots.pack(checkpoint, target);
            long size;
            try {
                size = Files.size(target);
            } catch (IOException e) {
                throw new JshrewException(ErrorCode.STORAGE, "cannot read " + target + ": " + e.getMessage(), e);
            }
            System.out.println("snapshot " + out + ": height " + m.height() + ", block " + m.blockHash()
                    + ", state root " + m.stateRoot() + ", " + m.files().size() + " files, " + size + " bytes, "
                    + (System.nanoTime() - start) / 1_000_000 + " ms");
            return 0;
        }
    }

    @Command(
            name = "restore",
            description = {
                "Restore a snapshot archive into a missing or empty --db: every file is checked against the"
                        + " manifest (SHA-256, size, none missing or extra), then the state-root chain is re-derived"
                        + " from the stored per-block writes up to the manifest's height; any mismatch refuses it"
                        + " (exit 18) and leaves nothing in --db. It is unpacked beside --db and renamed into place"
                        + " once verified."
            })
    static final class Restore implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "the snapshot archive")
        Path file;

        @Option(
                names = {"--db", "--db-path"},
                required = true,
                paramLabel = "DIR",
                description = "the database directory to create (missing or empty)")
        Path db;

        @Override
        public Integer call() {
            if (!Files.isRegularFile(file)) {
                throw new JshrewException(ErrorCode.INPUT, "no snapshot file " + file);
            }
            long start = System.nanoTime();
            SnapshotManifest m = Snapshots.restore(file, db);
            System.out.println("restored " + db + ": height " + m.height() + ", block " + m.blockHash()
                    + ", state root " + m.stateRoot() + ", verified, " + (System.nanoTime() - start) / 1_000_000
                    + " ms");
            return 0;
        }
    }
}
