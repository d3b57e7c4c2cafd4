package dev.jshrew.node.rpc;

import dev.jshrew.node.snapshot.SnapshotSchedule;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code GET /snapshots/latest} (the newest complete snapshot's manifest, JSON; 404 while there is none) and
 * {@code GET /snapshots/NAME} (a {@code snapshot-H.zip} or {@code snapshot-H.json} of the snapshot directory; 404
 * for any other name or a missing file). Only names the snapshot schedule writes are served, never a path.
 */
final class SnapshotFiles {
    private static final String PREFIX = "/snapshots/";

    private SnapshotFiles() {}

    static boolean handles(Request request) {
        return "GET".equals(request.getMethod())
                && Request.getPathInContext(request).startsWith(PREFIX);
    }

    static void answer(Path directory, Request request, Response response, Callback callback) {
        String name = Request.getPathInContext(request).substring(PREFIX.length());
        Optional<Path> file;
        try {
            if (name.equals("latest")) {
                file = SnapshotSchedule.latest(directory);
            } else {
                file = SnapshotSchedule.servable(name) ? Optional.of(directory.resolve(name)) : Optional.empty();
            }
            if (file.isEmpty() || !Files.isRegularFile(file.get())) {
                notFound(response, callback, name);
                return;
            }
            boolean json = file.get().getFileName().toString().endsWith(".json");
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, json ? "application/json" : "application/zip");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, Files.size(file.get()));
            try (OutputStream out = Content.Sink.asOutputStream(response)) {
                Files.copy(file.get(), out);
            }
            callback.succeeded();
        } catch (IOException | RuntimeException e) {
            callback.failed(e);
        }
    }

    private static void notFound(Response response, Callback callback, String name) {
        response.setStatus(404);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
        response.write(
                true, ByteBuffer.wrap(("no snapshot " + name + "\n").getBytes(StandardCharsets.UTF_8)), callback);
    }
}
