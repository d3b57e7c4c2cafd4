package dev.jshrew.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.storage.BlockCommit;
import dev.jshrew.api.storage.ChainIndex;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The C-44 first-height rule in its one place, over an in-memory chain index. */
class StateRootTest {
    /** Roots by height and metadata by name: the part of a store the rule reads. */
    static final class Chain implements ChainIndex {
        final TreeMap<Long, byte[]> roots = new TreeMap<>();
        final Map<String, byte[]> meta = new HashMap<>();

        Chain first(long height) {
            meta.put(StateRoot.META_FIRST_HEIGHT, StateRoot.firstHeightMeta(height));
            return this;
        }

        Chain root(long height, byte[] root) {
            roots.put(height, root);
            return this;
        }

        @Override
        public OptionalLong tip() {
            return roots.isEmpty() ? OptionalLong.empty() : OptionalLong.of(roots.lastKey());
        }

        @Override
        public Optional<byte[]> blockHash(long height) {
            return Optional.empty();
        }

        @Override
        public Optional<byte[]> stateRoot(long height) {
            return Optional.ofNullable(roots.get(height));
        }

        @Override
        public Optional<byte[]> stateRootAtOrBelow(long height) {
            return Optional.ofNullable(roots.floorEntry(height)).map(Map.Entry::getValue);
        }

        @Override
        public NavigableMap<byte[], byte[]> blockWrites(long height) {
            return BlockCommit.newWriteMap();
        }

        @Override
        public Optional<byte[]> meta(String name) {
            return Optional.ofNullable(meta.get(name));
        }
    }

    static byte[] root(int tag) {
        byte[] out = new byte[32];
        Arrays.fill(out, (byte) tag);
        return out;
    }

    @Test
    void anEmptyStoreHasNoRootAndChainsFromZero() {
        Chain chain = new Chain();
        assertThat(StateRoot.atOrBelow(chain, 0)).isEmpty();
        assertThat(StateRoot.atOrBelow(chain, 1_000)).isEmpty();
        assertThat(StateRoot.before(chain, 0)).isEqualTo(StateRoot.ZERO);
        assertThat(StateRoot.before(chain, 840_000)).isEqualTo(StateRoot.ZERO);
    }

    @Test
    void aStoreStartedAtSHasTheZeroRootAtSMinusOneAndNothingBelow() {
        Chain chain = new Chain().first(5);
        assertThat(StateRoot.atOrBelow(chain, 4))
                .hasValueSatisfying(r -> assertThat(r).isEqualTo(StateRoot.ZERO));
        assertThat(StateRoot.atOrBelow(chain, 3)).isEmpty();
        assertThat(StateRoot.atOrBelow(chain, -1)).isEmpty();

        chain.root(5, root(5)).root(7, root(7));
        assertThat(StateRoot.atOrBelow(chain, 4))
                .hasValueSatisfying(r -> assertThat(r).isEqualTo(StateRoot.ZERO));
        assertThat(StateRoot.atOrBelow(chain, 6))
                .hasValueSatisfying(r -> assertThat(r).isEqualTo(root(5)));
        assertThat(StateRoot.atOrBelow(chain, 9))
                .hasValueSatisfying(r -> assertThat(r).isEqualTo(root(7)));
        assertThat(StateRoot.before(chain, 5)).isEqualTo(StateRoot.ZERO);
        assertThat(StateRoot.before(chain, 7)).isEqualTo(root(5));
        assertThat(StateRoot.before(chain, 8)).isEqualTo(root(7));
    }

    @Test
    void aStoreStartedAtZeroHasNoRootBeforeItsFirstBlock() {
        Chain chain = new Chain().first(0);
        assertThat(StateRoot.atOrBelow(chain, -1)).isEmpty();
        assertThat(StateRoot.atOrBelow(chain, 0)).isEmpty();
        chain.root(0, root(1));
        assertThat(StateRoot.atOrBelow(chain, 0))
                .hasValueSatisfying(r -> assertThat(r).isEqualTo(root(1)));
        assertThat(StateRoot.before(chain, 0)).isEqualTo(StateRoot.ZERO);
        assertThat(StateRoot.before(chain, 1)).isEqualTo(root(1));
    }

    @Test
    void theZeroRootIsACopyCallersCannotCorrupt() {
        Chain chain = new Chain().first(5);
        StateRoot.atOrBelow(chain, 4).orElseThrow()[0] = 1;
        assertThat(StateRoot.atOrBelow(chain, 4))
                .hasValueSatisfying(r -> assertThat(r).isEqualTo(new byte[32]));
        assertThat(StateRoot.ZERO).isEqualTo(new byte[32]);
    }

    @Test
    void theFirstHeightIsRecordedAsDecimalAscii() {
        assertThat(StateRoot.firstHeightMeta(840_243)).isEqualTo("840243".getBytes(StandardCharsets.US_ASCII));
        assertThat(StateRoot.META_FIRST_HEIGHT).isEqualTo("node.first-height");
    }
}
