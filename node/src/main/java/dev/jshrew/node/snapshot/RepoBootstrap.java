package dev.jshrew.node.snapshot;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code serve --repo URL}: a new node fetches the newest snapshot another node serves ({@code GET
 * URL/snapshots/latest}, then {@code GET URL/snapshots/snapshot-H.zip}) into a file beside its database, and
 * restores it with every check of {@link Snapshots#restore}; the file is deleted afterwards, whatever the outcome.
 */
public final class RepoBootstrap {
    private static final System.Logger LOG = System.getLogger(RepoBootstrap.class.getName());

    private RepoBootstrap() {}

    /**
     * Downloads and restores the repository's newest snapshot into {@code db} (missing or empty).
     *
     * @throws JshrewException {@link ErrorCode#INPUT} when the repository cannot be reached or has no snapshot, or
     *     the snapshot does not verify
     */
    public static SnapshotManifest bootstrap(String repo, Path db) throws InterruptedException {
        String base = repo.endsWith("/") ? repo.substring(0, repo.length() - 1) : repo;
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        Path parent = db.toAbsolutePath().normalize().getParent();
        Path download = null;
        try {
            HttpResponse<byte[]> latest = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/snapshots/latest"))
                            .timeout(Duration.ofSeconds(60))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (latest.statusCode() != 200) {
                throw new JshrewException(
                        ErrorCode.INPUT,
                        "--repo " + repo + ": GET /snapshots/latest answered HTTP " + latest.statusCode()
                                + " (no snapshot there yet?)");
            }
            SnapshotManifest advertised = SnapshotManifest.parse(latest.body());
            String name = Snapshots.fileName(advertised.height());
            LOG.log(
                    System.Logger.Level.INFO,
                    "--repo {0}: fetching {1} (height {2,number,#}, state root {3})",
                    repo,
                    name,
                    advertised.height(),
                    advertised.stateRoot());
            Files.createDirectories(parent);
            download = Files.createTempFile(parent, "." + db.getFileName() + ".repo-", ".zip");
            HttpResponse<Path> file = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/snapshots/" + name))
                            .build(),
                    HttpResponse.BodyHandlers.ofFile(download));
            if (file.statusCode() != 200) {
                throw new JshrewException(
                        ErrorCode.INPUT,
                        "--repo " + repo + ": GET /snapshots/" + name + " answered HTTP " + file.statusCode());
            }
            SnapshotManifest restored = Snapshots.restore(download, db);
            if (restored.height() != advertised.height()
                    || !restored.stateRoot().equals(advertised.stateRoot())) {
                Snapshots.deleteTree(db);
                throw new JshrewException(
                        ErrorCode.INPUT,
                        "--repo " + repo + ": the archive's manifest is not the one /snapshots/latest advertised");
            }
            return restored;
        } catch (IOException | IllegalArgumentException e) {
            throw new JshrewException(ErrorCode.INPUT, "--repo " + repo + ": " + e, e);
        } finally {
            if (download != null) {
                try {
                    Files.deleteIfExists(download);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot delete {0}: {1}", download, e.toString());
                }
            }
        }
    }
}
