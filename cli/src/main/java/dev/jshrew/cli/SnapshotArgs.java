package dev.jshrew.cli;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.node.snapshot.RepoBootstrap;
import dev.jshrew.node.snapshot.SnapshotSchedule;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import picocli.CommandLine.Option;

/**
 * rockshrew-mono's snapshot options, acting in jshrew (a mixin of {@code index} and {@code serve}):
 * {@code --snapshot-directory} with {@code --snapshot-interval} and {@code --snapshot-keep} make verified snapshots
 * while indexing ({@link SnapshotSchedule}; {@code serve} also serves them under {@code /snapshots/}), and
 * {@code --repo URL} bootstraps an empty database from another node's newest snapshot ({@link RepoBootstrap}).
 */
final class SnapshotArgs {
    private static final Logger LOG = System.getLogger("jshrew.snapshot");

    @Option(
            names = "--snapshot-directory",
            paramLabel = "DIR",
            description = "write a verified snapshot (snapshot-H.zip and its manifest snapshot-H.json) here after"
                    + " every block whose height is a multiple of --snapshot-interval; serve also serves them"
                    + " (GET /snapshots/latest, GET /snapshots/FILE)")
    Path snapshotDirectory;

    @Option(
            names = "--snapshot-interval",
            paramLabel = "N",
            defaultValue = "1000",
            description = "blocks between snapshots (default ${DEFAULT-VALUE}, as rockshrew-mono)")
    long snapshotInterval;

    @Option(
            names = "--snapshot-keep",
            paramLabel = "N",
            defaultValue = "3",
            description = "snapshots kept in --snapshot-directory, the newest (default ${DEFAULT-VALUE})")
    int snapshotKeep;

    @Option(
            names = "--repo",
            paramLabel = "URL",
            description = "when --db is missing or empty, first restore the newest snapshot the node at URL serves"
                    + " (GET URL/snapshots/latest and the file), verified, then sync on from it; ignored for a"
                    + " database that has blocks")
    String repo;

    /** Bootstraps an empty {@code db} from {@code --repo}, if given. */
    void bootstrap(Path db) throws InterruptedException {
        if (repo == null) {
            return;
        }
        if (!emptyOrMissing(db)) {
            LOG.log(Level.INFO, "--repo {0}: {1} is not empty, so it is not bootstrapped", repo, db);
            return;
        }
        RepoBootstrap.bootstrap(repo, db);
    }

    /** The snapshot schedule of {@code --snapshot-directory}, or null without it. */
    SnapshotSchedule schedule(KeyValueStore store) {
        if (snapshotDirectory == null) {
            return null;
        }
        return new SnapshotSchedule(store, snapshotDirectory, snapshotInterval, snapshotKeep);
    }

    private static boolean emptyOrMissing(Path db) {
        if (!Files.exists(db)) {
            return true;
        }
        try (Stream<Path> s = Files.list(db)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw new JshrewException(ErrorCode.STORAGE, "cannot read " + db + ": " + e.getMessage(), e);
        }
    }
}
