package dev.jshrew.node.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.io.IOException;
import java.util.List;

/**
 * What a snapshot holds, as JSON ({@value #ENTRY} inside the archive, and served at {@code /snapshots/latest}): the
 * height it was taken at, that block's hash and state root, the indexer (SHA-256 and history), the guest memory
 * limit, and every database file with its size and SHA-256. Hashes are lowercase hex.
 *
 * @param formatVersion {@link #FORMAT_VERSION}
 * @param height the database's tip
 * @param blockHash the tip's block hash
 * @param stateRoot the tip's state root
 * @param indexerSha256 the pinned indexer module (empty string: none)
 * @param indexerHistory {@code HEIGHT SHA256HEX} per indexer the database ran
 * @param guestMemoryLimitPages the recorded guest memory limit (-1: none)
 * @param file the archive's file name ({@code snapshot-HEIGHT.zip}); informative
 * @param files the database's files, by name
 */
public record SnapshotManifest(
        int formatVersion,
        long height,
        String blockHash,
        String stateRoot,
        String indexerSha256,
        List<String> indexerHistory,
        long guestMemoryLimitPages,
        String file,
        List<FileEntry> files) {
    /** The archive entry that holds the manifest. */
    public static final String ENTRY = "jshrew-snapshot.json";

    /** The manifest format this version writes and reads. */
    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One database file.
     *
     * @param name its name in the database directory (no directories)
     * @param size bytes
     * @param sha256 lowercase hex
     */
    public record FileEntry(String name, long size, String sha256) {}

    public SnapshotManifest {
        indexerHistory = List.copyOf(indexerHistory);
        files = List.copyOf(files);
    }

    /** The JSON text. */
    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a snapshot manifest", e);
        }
    }

    /**
     * Parses a manifest.
     *
     * @throws JshrewException {@link ErrorCode#INPUT} when it is not a manifest of {@link #FORMAT_VERSION}
     */
    public static SnapshotManifest parse(byte[] json) {
        SnapshotManifest m;
        try {
            m = JSON.readValue(json, SnapshotManifest.class);
        } catch (IOException | RuntimeException e) {
            throw new JshrewException(ErrorCode.INPUT, "not a jshrew snapshot manifest: " + e.getMessage(), e);
        }
        if (m.formatVersion() != FORMAT_VERSION) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    "snapshot format " + m.formatVersion() + " is not supported (this jshrew reads " + FORMAT_VERSION
                            + ")");
        }
        if (m.files() == null || m.blockHash() == null || m.stateRoot() == null || m.height() < 0) {
            throw new JshrewException(ErrorCode.INPUT, "snapshot manifest is incomplete");
        }
        return m;
    }
}
