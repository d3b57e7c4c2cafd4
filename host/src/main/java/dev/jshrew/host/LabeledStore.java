package dev.jshrew.host;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.BlockCommit;
import dev.jshrew.api.storage.ChainIndex;
import dev.jshrew.api.storage.ForwardingKeyValueStore;
import dev.jshrew.api.storage.HeightReader;
import dev.jshrew.api.storage.KeyValueStore;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * A store seen through rockshrew-mono's {@code --label S} (METASHREW-ABI §3.2): every guest key is stored under the
 * prefix {@code S://}, so indexers with different labels never see each other's keys, and views with the same label
 * read them. As in the original, the chain index (tip, block hashes) is not labelled. Unlike the original (which
 * stores zero roots under a label), the state root is computed over the guest's own keys, without the prefix: a
 * labelled database has the same roots as an unlabelled one of the same indexer and chain.
 *
 * <p>jshrew keeps one root per height, so a database holds one label: it is recorded with the first block
 * ({@value #META_LABEL}) and {@link #check} refuses to open the database with another label, or a labelled database
 * without one (and an unlabelled database with one). {@link #blockWrites} gives the guest's keys (prefix removed) of
 * this label only. Thread-safety and atomicity are the wrapped store's.
 */
public final class LabeledStore extends ForwardingKeyValueStore {
    /** Store metadata: the label the database was indexed with (absent: no label). */
    public static final String META_LABEL = "label";

    private final String label;
    private final byte[] prefix;

    /**
     * @throws JshrewException {@link ErrorCode#INPUT} for a label that is empty or contains {@code :} (the
     *     prefix must end at the first {@code ://} of a stored key, so two labels' keys can never collide)
     */
    public LabeledStore(KeyValueStore store, String label) {
        validate(label); // before the store is looked at: a bad label is an input error whatever the store
        super(store);
        this.label = label;
        this.prefix = (label + "://").getBytes(StandardCharsets.UTF_8);
    }

    static void validate(String label) {
        if (label.isEmpty() || label.indexOf(':') >= 0 || label.chars().anyMatch(Character::isISOControl)) {
            throw new JshrewException(
                    ErrorCode.INPUT, "--label must be a non-empty text without ':' or control characters");
        }
    }

    /**
     * Refuses a store indexed with another label than {@code label} (null: none): a labelled store opened without
     * its label or with another one, and an unlabelled store that has blocks opened with a label.
     *
     * @throws JshrewException {@link ErrorCode#INPUT} naming both
     */
    public static void check(ChainIndex store, String label) {
        Optional<String> recorded = store.meta(META_LABEL).map(v -> new String(v, StandardCharsets.UTF_8));
        if (recorded.isPresent() && !recorded.get().equals(label)) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    "the database was indexed with --label " + recorded.get() + ", not "
                            + (label == null ? "without a label" : "--label " + label)
                            + ": its keys are under that label (give --label " + recorded.get() + ")");
        }
        if (recorded.isEmpty()
                && label != null
                && store.meta(Indexer.META_INDEXER).isPresent()) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    "the database was indexed without a label, not with --label " + label
                            + ": its keys are not under a label (run without --label)");
        }
    }

    /** The label. */
    public String label() {
        return label;
    }

    /** The stored form of a guest key: {@code label://key}. */
    public byte[] storedKey(byte[] key) {
        byte[] k = Arrays.copyOf(prefix, prefix.length + key.length);
        System.arraycopy(key, 0, k, prefix.length, key.length);
        return k;
    }

    @Override
    public byte[] get(byte[] key, long height) {
        return delegate().get(storedKey(key), height);
    }

    @Override
    public HeightReader readerAt(long height) {
        HeightReader stored = delegate().readerAt(height);
        return new HeightReader() {
            @Override
            public byte[] get(byte[] key) {
                return stored.get(storedKey(key));
            }

            @Override
            public void close() {
                stored.close();
            }
        };
    }

    @Override
    public void commitBlock(BlockCommit commit) {
        NavigableMap<byte[], byte[]> writes = BlockCommit.newWriteMap();
        commit.writes().forEach((k, v) -> writes.put(storedKey(k), v));
        Map<String, byte[]> meta = new HashMap<>(commit.meta());
        if (delegate().tip().isEmpty()) {
            meta.put(META_LABEL, label.getBytes(StandardCharsets.UTF_8));
        }
        delegate().commitBlock(new BlockCommit(commit.height(), writes, commit.blockHash(), commit.stateRoot(), meta));
    }

    @Override
    public NavigableMap<byte[], byte[]> blockWrites(long height) {
        NavigableMap<byte[], byte[]> mine = BlockCommit.newWriteMap();
        delegate().blockWrites(height).forEach((k, v) -> {
            if (k.length >= prefix.length && Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length)) {
                mine.put(Arrays.copyOfRange(k, prefix.length, k.length), v);
            }
        });
        return mine;
    }
}
