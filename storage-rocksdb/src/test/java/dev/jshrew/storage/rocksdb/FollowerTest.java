package dev.jshrew.storage.rocksdb;

import static dev.jshrew.storage.rocksdb.TestData.block;
import static dev.jshrew.storage.rocksdb.TestData.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.FollowingStore;
import dev.jshrew.api.storage.KeyValueStore;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RocksDbStorageProvider#openFollower}: two followers of one writer, each with its own directory, see the
 * writer's blocks (versions, hashes, roots, tip) after a catch-up and not before; a rollback shows after the next
 * catch-up; a follower writes nothing, neither through the SPI nor into the writer's directory.
 */
class FollowerTest {
    @TempDir
    Path temp;

    private final RocksDbStorageProvider provider = new RocksDbStorageProvider();

    @Test
    void followersSeeTheWritersBlocksAfterEachCatchUp() {
        Path db = temp.resolve("db");
        try (KeyValueStore writer = provider.open(db, Map.of());
                FollowingStore before = follower(db, "f0")) {
            assertThat(before.tip()).isEmpty();
            writer.commitBlock(block(0, "a", "1"));
            writer.commitBlock(block(1, "a", "2", "b", "x"));
            try (FollowingStore f1 = follower(db, "f1");
                    FollowingStore f2 = follower(db, "f2")) {
                assertThat(f1.tip()).isEqualTo(OptionalLong.of(1));
                assertThat(before.tip()).as("no catch-up yet").isEmpty();
                assertThat(before.catchUp()).isEqualTo(OptionalLong.of(1));
                writer.commitBlock(block(2, "a", "3"));
                assertThat(f1.tip()).as("before its catch-up").isEqualTo(OptionalLong.of(1));
                for (FollowingStore f : new FollowingStore[] {before, f1, f2}) {
                    assertThat(f.catchUp()).isEqualTo(OptionalLong.of(2));
                    for (long h = 0; h <= 2; h++) {
                        assertThat(read(f, "a", h)).isEqualTo(read(writer, "a", h));
                        assertThat(f.blockHash(h)).contains(writer.blockHash(h).orElseThrow());
                        assertThat(f.stateRoot(h)).contains(writer.stateRoot(h).orElseThrow());
                        assertThat(f.blockWrites(h)).hasSameSizeAs(writer.blockWrites(h));
                    }
                    assertThat(read(f, "b", 2)).isEqualTo("x");
                }
                writer.rollbackTo(0);
                assertThat(f2.catchUp()).isEqualTo(OptionalLong.of(0));
                assertThat(read(f2, "a", 2)).isEqualTo("1");
                assertThat(f2.blockHash(1)).isEmpty();
                assertThatThrownBy(() -> f2.commitBlock(block(1, "c", "1"))).isInstanceOf(IllegalStateException.class);
                assertThatThrownBy(() -> f2.rollbackTo(-1)).isInstanceOf(IllegalStateException.class);
            }
        }
        Map<String, String> files = DirectorySnapshot.of(db);
        try (FollowingStore f = follower(db, "f3")) {
            assertThat(f.catchUp()).isEqualTo(OptionalLong.of(0));
        }
        assertThat(DirectorySnapshot.of(db))
                .as("a follower writes nothing in the writer's directory")
                .isEqualTo(files);
    }

    @Test
    void aFollowerNeedsAStoreAndADirectoryOfItsOwn() {
        Path db = temp.resolve("db");
        assertThatThrownBy(() -> follower(db, "f").close())
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE))
                .hasMessageContaining("does not exist");
        provider.open(db, Map.of()).close();
        assertThatThrownBy(() -> provider.openFollower(db, db, Map.of()).close())
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE))
                .hasMessageContaining("a directory of its own");
    }

    private FollowingStore follower(Path db, String own) {
        return provider.openFollower(db, temp.resolve(own), Map.of());
    }
}
