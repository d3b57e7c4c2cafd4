package dev.jshrew.node.snapshot;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.Checkpointable;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.api.storage.StorageProvider;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.Indexer;
import dev.jshrew.host.IndexerHistory;
import dev.jshrew.host.StateRoot;
import dev.jshrew.host.Storages;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Verified snapshots of a database: a checkpoint ({@link Checkpointable}) packed as a zip archive with a
 * {@link SnapshotManifest}, and the restore that checks every file and re-derives the state-root chain before the
 * copy becomes a database.
 */
public final class Snapshots {
    private static final System.Logger LOG = System.getLogger(Snapshots.class.getName());

    private Snapshots() {}

    /** {@code snapshot-HEIGHT.zip}. */
    public static String fileName(long height) {
        return "snapshot-" + height + ".zip";
    }

    /**
     * A checkpoint of {@code store} in {@code checkpoint} (which must not exist): consistent at the store's tip,
     * since the checkpoint is taken between two commits.
     *
     * @throws JshrewException {@link ErrorCode#STORAGE} when the store cannot make one (e.g. a labelled store)
     */
    public static void checkpoint(KeyValueStore store, Path checkpoint) {
        if (!(store instanceof Checkpointable c)) {
            throw new JshrewException(
                    ErrorCode.STORAGE,
                    "this store cannot make snapshots (" + store.getClass().getSimpleName() + ")");
        }
        c.checkpointTo(checkpoint);
    }

    /**
     * Packs the checkpoint directory into {@code out} (written beside it first, then renamed into place) and
     * deletes the checkpoint.
     *
     * @return the manifest written into the archive
     */
    public static SnapshotManifest pack(Path checkpoint, Path out) {
        Path partial = out.resolveSibling(out.getFileName() + ".partial");
        try {
            SnapshotManifest manifest = describe(checkpoint, out.getFileName().toString());
            try (OutputStream fo = Files.newOutputStream(partial);
                    ZipOutputStream zip = new ZipOutputStream(fo)) {
                // SST files are compressed already (LZ4/ZSTD): the fastest deflate level costs little and saves little.
                zip.setLevel(Deflater.BEST_SPEED);
                zip.putNextEntry(new ZipEntry(SnapshotManifest.ENTRY));
                zip.write(manifest.toJson());
                zip.closeEntry();
                for (SnapshotManifest.FileEntry f : manifest.files()) {
                    zip.putNextEntry(new ZipEntry(f.name()));
                    Files.copy(checkpoint.resolve(f.name()), zip);
                    zip.closeEntry();
                }
            }
            Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return manifest;
        } catch (IOException e) {
            throw new JshrewException(ErrorCode.STORAGE, "cannot write snapshot " + out + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(partial);
            deleteTree(checkpoint);
        }
    }

    /** The manifest of a checkpoint directory: its tip, hash, root and indexer, and each file's size and SHA-256. */
    static SnapshotManifest describe(Path checkpoint, String fileName) throws IOException {
        List<SnapshotManifest.FileEntry> files = new ArrayList<>();
        for (Path p : sortedFiles(checkpoint)) {
            files.add(new SnapshotManifest.FileEntry(p.getFileName().toString(), Files.size(p), sha256(p)));
        }
        try (KeyValueStore s = Storages.open(checkpoint, StorageProvider.Access.READ_ONLY)) {
            long height = s.tip()
                    .orElseThrow(() -> new JshrewException(
                            ErrorCode.INPUT, "the database has no blocks yet: nothing to snapshot"));
            return new SnapshotManifest(
                    SnapshotManifest.FORMAT_VERSION,
                    height,
                    Hashes.hex(s.blockHash(height).orElse(new byte[0])),
                    Hashes.hex(s.stateRoot(height).orElse(new byte[0])),
                    s.meta(Indexer.META_INDEXER).map(Hashes::hex).orElse(""),
                    history(s),
                    s.meta(Indexer.META_MEMORY_LIMIT)
                            .map(v -> Long.parseLong(new String(v, StandardCharsets.US_ASCII)))
                            .orElse(-1L),
                    fileName,
                    files);
        }
    }

    private static List<String> history(KeyValueStore s) {
        return IndexerHistory.of(s)
                .map(h -> h.entries().stream()
                        .map(e -> e.height() + " " + e.sha256Hex())
                        .toList())
                .orElse(List.of());
    }

    /**
     * Restores {@code archive} into {@code db} (missing or empty): unpacks into a new directory beside it, checks
     * every file against the manifest (name, size, SHA-256; none missing, none extra), verifies the database
     * ({@link #verify}), and only then renames it into place. On any failure nothing is left in or beside
     * {@code db}.
     *
     * @throws JshrewException {@link ErrorCode#INPUT} for a snapshot that does not verify, {@link ErrorCode#STORAGE}
     *     when {@code db} is not missing or empty, or the files cannot be written
     */
    public static SnapshotManifest restore(Path archive, Path db) {
        Path target = db.toAbsolutePath().normalize();
        requireMissingOrEmpty(target);
        Path parent = target.getParent();
        Path temp;
        try {
            Files.createDirectories(parent);
            temp = Files.createTempDirectory(parent, "." + target.getFileName() + ".restore-");
        } catch (IOException e) {
            throw new JshrewException(ErrorCode.STORAGE, "cannot restore into " + db + ": " + e.getMessage(), e);
        }
        boolean done = false;
        try {
            SnapshotManifest manifest = unpack(archive, temp);
            verify(temp, manifest);
            if (Files.isDirectory(target)) {
                Files.delete(target); // empty, checked above
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            done = true;
            LOG.log(
                    System.Logger.Level.INFO,
                    "restored snapshot {0} into {1}: height {2,number,#}, state root {3}",
                    archive.getFileName(),
                    target,
                    manifest.height(),
                    manifest.stateRoot());
            return manifest;
        } catch (IOException e) {
            throw new JshrewException(ErrorCode.STORAGE, "cannot restore into " + db + ": " + e.getMessage(), e);
        } finally {
            if (!done) {
                deleteTree(temp);
            }
        }
    }

    private static void requireMissingOrEmpty(Path target) {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new JshrewException(
                    ErrorCode.STORAGE,
                    target + " is not a directory: a snapshot restores into a" + " missing or empty directory");
        }
        try (Stream<Path> s = Files.list(target)) {
            if (s.findAny().isPresent()) {
                throw new JshrewException(
                        ErrorCode.STORAGE,
                        target + " is not empty: a snapshot restores into a missing or empty directory");
            }
        } catch (IOException e) {
            throw new JshrewException(ErrorCode.STORAGE, "cannot read " + target + ": " + e.getMessage(), e);
        }
    }

    /** Unpacks the archive into {@code dir}, checking each file against the manifest. */
    static SnapshotManifest unpack(Path archive, Path dir) throws IOException {
        SnapshotManifest manifest = null;
        Map<String, String[]> seen = new HashMap<>();
        try (InputStream in = Files.newInputStream(archive);
                ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                String name = e.getName();
                if (name.equals(SnapshotManifest.ENTRY)) {
                    if (manifest != null) {
                        throw bad(archive, "two manifests");
                    }
                    manifest = SnapshotManifest.parse(zip.readAllBytes());
                    continue;
                }
                if (name.isEmpty()
                        || name.contains("/")
                        || name.contains("\\")
                        || name.startsWith(".")
                        || seen.containsKey(name)) {
                    throw bad(archive, "unexpected entry '" + name + "'");
                }
                MessageDigest sha = Hashes.sha256();
                long size;
                try (OutputStream out = Files.newOutputStream(dir.resolve(name))) {
                    size = new DigestInputStream(zip, sha).transferTo(out);
                }
                seen.put(name, new String[] {Long.toString(size), Hashes.hex(sha.digest())});
            }
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw new JshrewException(
                    ErrorCode.INPUT, "snapshot " + archive + " refused: not a complete archive: " + e, e);
        }
        if (manifest == null) {
            throw bad(archive, "no " + SnapshotManifest.ENTRY);
        }
        for (SnapshotManifest.FileEntry f : manifest.files()) {
            String[] got = seen.remove(f.name());
            if (got == null) {
                throw bad(archive, "file " + f.name() + " is missing");
            }
            if (!got[0].equals(Long.toString(f.size())) || !got[1].equals(f.sha256())) {
                throw bad(
                        archive,
                        "file " + f.name() + " has " + got[0] + " bytes, SHA-256 " + got[1] + "; the manifest says "
                                + f.size() + " bytes, " + f.sha256());
            }
        }
        if (!seen.isEmpty()) {
            throw bad(archive, "files the manifest does not list: " + seen.keySet());
        }
        return manifest;
    }

    /**
     * Verifies a database against a manifest: its tip is the manifest's height with the manifest's block hash,
     * indexer and memory limit; the state-root chain re-derived from each block's stored writes
     * ({@link StateRoot}) equals every stored root and ends at the manifest's root; and every write of every block
     * reads back from the versioned key space at its height.
     *
     * @throws JshrewException {@link ErrorCode#INPUT} naming the first mismatch
     */
    public static void verify(Path dir, SnapshotManifest m) {
        try (KeyValueStore s = Storages.open(dir, StorageProvider.Access.READ_ONLY)) {
            long tip = s.tip().orElse(-1);
            if (tip != m.height()) {
                throw mismatch("its tip is " + tip + ", the manifest says " + m.height());
            }
            String hash = Hashes.hex(s.blockHash(tip).orElse(new byte[0]));
            if (!hash.equals(m.blockHash())) {
                throw mismatch("block " + tip + " has hash " + hash + ", the manifest says " + m.blockHash());
            }
            String storedRoot = Hashes.hex(s.stateRoot(tip).orElse(new byte[0]));
            if (!storedRoot.equals(m.stateRoot())) {
                throw mismatch(
                        "its state root at " + tip + " is " + storedRoot + ", the manifest says " + m.stateRoot());
            }
            String indexer = s.meta(Indexer.META_INDEXER).map(Hashes::hex).orElse("");
            if (!indexer.equals(m.indexerSha256()) || !history(s).equals(m.indexerHistory())) {
                throw mismatch("its indexer is " + indexer + " " + history(s) + ", the manifest says "
                        + m.indexerSha256() + " " + m.indexerHistory());
            }
            long limit = s.meta(Indexer.META_MEMORY_LIMIT)
                    .map(v -> Long.parseLong(new String(v, StandardCharsets.US_ASCII)))
                    .orElse(-1L);
            if (limit != m.guestMemoryLimitPages()) {
                throw mismatch(
                        "its guest memory limit is " + limit + ", the manifest says " + m.guestMemoryLimitPages());
            }
            long first = s.meta(StateRoot.META_FIRST_HEIGHT)
                    .map(v -> Long.parseLong(new String(v, StandardCharsets.US_ASCII)))
                    .orElse(0L);
            byte[] root = StateRoot.ZERO;
            for (long h = first; h <= tip; h++) {
                var stored = s.stateRoot(h);
                if (stored.isEmpty()) {
                    continue; // a height the database skipped (gaps are allowed): the chain goes over it
                }
                NavigableMap<byte[], byte[]> writes = s.blockWrites(h);
                root = StateRoot.next(root, StateRoot.digest(writes));
                if (!Arrays.equals(root, stored.get())) {
                    throw mismatch("the state root re-derived at height " + h + " is " + Hashes.hex(root)
                            + ", the stored one " + Hashes.hex(stored.get()));
                }
                for (var w : writes.entrySet()) {
                    byte[] read = s.get(w.getKey(), h);
                    byte[] expected = w.getValue();
                    boolean same = read == null ? expected.length == 0 : Arrays.equals(read, expected);
                    if (!same) {
                        throw mismatch("key " + Hashes.hex(w.getKey()) + " does not read back at height " + h);
                    }
                }
            }
            if (!Hashes.hex(root).equals(m.stateRoot())) {
                throw mismatch("its state root at " + tip + " is " + Hashes.hex(root) + ", the manifest says "
                        + m.stateRoot());
            }
        } catch (JshrewException e) {
            if (e.code() == ErrorCode.STORAGE) {
                throw new JshrewException(
                        ErrorCode.INPUT, "the snapshot is not a readable database: " + e.getMessage(), e);
            }
            throw e;
        }
    }

    private static JshrewException mismatch(String what) {
        return new JshrewException(ErrorCode.INPUT, "snapshot refused: " + what);
    }

    private static JshrewException bad(Path archive, String what) {
        return new JshrewException(ErrorCode.INPUT, "snapshot " + archive + " refused: " + what);
    }

    static List<Path> sortedFiles(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (Files.isRegularFile(p)) {
                    out.add(p);
                }
            }
        }
        out.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return out;
    }

    static String sha256(Path file) throws IOException {
        MessageDigest sha = Hashes.sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return Hashes.hex(sha.digest());
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(Snapshots::deleteQuietly);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete {0}: {1}", p, e.toString());
        }
    }
}
