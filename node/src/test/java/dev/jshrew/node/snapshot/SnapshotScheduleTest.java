package dev.jshrew.node.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.BlockCommit;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.api.storage.StorageProvider.Access;
import dev.jshrew.host.BlockResult;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.StateRoot;
import dev.jshrew.host.Storages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.NavigableMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schedule of {@code --snapshot-directory}: a snapshot at each multiple of the interval, the newest kept, the
 * newest manifest as latest; and the restore's root re-derivation, which refuses a database whose stored roots do
 * not follow from its writes even when every file matches the manifest.
 */
class SnapshotScheduleTest {
    @TempDir
    Path temp;

    private static NavigableMap<byte[], byte[]> writes(long h) {
        NavigableMap<byte[], byte[]> w = BlockCommit.newWriteMap();
        w.put(("k" + h % 3).getBytes(StandardCharsets.US_ASCII), ("v" + h).getBytes(StandardCharsets.US_ASCII));
        w.put(("only" + h).getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) h});
        return w;
    }

    /** Commits blocks 0..tip with jshrew's root chain; {@code forgedAt} gets a root that does not follow. */
    private static void commit(KeyValueStore store, long tip, long forgedAt) {
        byte[] root = StateRoot.ZERO;
        for (long h = 0; h <= tip; h++) {
            root = StateRoot.next(root, StateRoot.digest(writes(h)));
            byte[] stored = h == forgedAt ? Hashes.sha256(root) : root;
            store.commitBlock(new BlockCommit(h, writes(h), Hashes.sha256(new byte[] {(byte) h}), stored));
        }
    }

    private static BlockResult result(long h) {
        return new BlockResult(h, new byte[32], new byte[32], 2, 0, 0, 0, 1, 0, 0, 0, 0);
    }

    @Test
    void snapshotsAtMultiplesOfTheIntervalTheNewestKeptAndRestorable() throws Exception {
        Path db = temp.resolve("db");
        Path dir = temp.resolve("snaps");
        try (KeyValueStore store = Storages.open(db)) {
            try (SnapshotSchedule schedule = new SnapshotSchedule(store, dir, 2, 2)) {
                byte[] root = StateRoot.ZERO;
                for (long h = 0; h <= 7; h++) {
                    root = StateRoot.next(root, StateRoot.digest(writes(h)));
                    store.commitBlock(new BlockCommit(h, writes(h), Hashes.sha256(new byte[] {(byte) h}), root));
                    schedule.indexed(result(h), 0);
                    schedule.awaitPacked();
                }
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(
                            "snapshot-4.zip", "snapshot-4.json", "snapshot-6.zip", "snapshot-6.json");
        }
        assertThat(SnapshotSchedule.latest(dir)).hasValue(dir.resolve("snapshot-6.json"));
        SnapshotManifest m = SnapshotManifest.parse(Files.readAllBytes(dir.resolve("snapshot-6.json")));
        assertThat(m.height()).isEqualTo(6);
        SnapshotManifest restored = Snapshots.restore(dir.resolve("snapshot-4.zip"), temp.resolve("r"));
        assertThat(restored.height()).isEqualTo(4);
        try (KeyValueStore r = Storages.open(temp.resolve("r"), Access.READ_ONLY);
                KeyValueStore s = Storages.open(db, Access.READ_ONLY)) {
            assertThat(r.tip()).hasValue(4);
            for (long h = 0; h <= 4; h++) {
                assertThat(r.stateRoot(h).orElseThrow())
                        .isEqualTo(s.stateRoot(h).orElseThrow());
                assertThat(r.blockWrites(h)).hasSameSizeAs(s.blockWrites(h));
            }
        }
    }

    /**
     * Files and manifest agree and the tip's root is the manifest's, but the stored root(2) does not follow from
     * block 2's writes: the re-derived chain refuses it.
     */
    @Test
    void aDatabaseWhoseRootsDoNotFollowFromItsWritesIsRefused() {
        Path db = temp.resolve("db");
        try (KeyValueStore store = Storages.open(db)) {
            commit(store, 4, 2);
            Snapshots.checkpoint(store, temp.resolve("ckpt"));
        }
        Path zip = temp.resolve("s.zip");
        Snapshots.pack(temp.resolve("ckpt"), zip);
        Path target = temp.resolve("r");
        assertThatThrownBy(() -> Snapshots.restore(zip, target))
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INPUT))
                .hasMessageContaining("re-derived at height 2");
        assertThat(target).doesNotExist();
        assertThat(temp.resolve("ckpt")).doesNotExist();
    }
}
