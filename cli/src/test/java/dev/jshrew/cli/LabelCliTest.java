package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.BlockCommit;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.api.storage.StorageProvider;
import dev.jshrew.host.LabeledStore;
import dev.jshrew.host.Storages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rockshrew-mono's {@code --label S} (METASHREW-ABI §3.2): guest keys under {@code S://}, the chain index shared, the
 * state root computed over the guest's keys (the original stores zero roots with a label), and a database that
 * records its label and refuses another.
 */
class LabelCliTest {
    @TempDir
    Path temp;

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static BlockCommit block(long height, String... pairs) {
        NavigableMap<byte[], byte[]> writes = BlockCommit.newWriteMap();
        for (int i = 0; i < pairs.length; i += 2) {
            writes.put(b(pairs[i]), b(pairs[i + 1]));
        }
        byte[] hash = new byte[32];
        hash[0] = (byte) (height + 1);
        byte[] root = new byte[32];
        root[31] = (byte) (height + 1);
        return new BlockCommit(height, writes, hash, root, Map.of());
    }

    @Test
    void twoLabelsInOneDatabaseDoNotSeeEachOthersKeys() {
        try (KeyValueStore raw = Storages.open(temp.resolve("db"))) {
            LabeledStore a = new LabeledStore(raw, "a");
            LabeledStore other = new LabeledStore(raw, "b");
            a.commitBlock(block(0, "k", "a0", "only-a", "x"));
            other.commitBlock(block(1, "k", "b1", "only-b", "y"));
            a.commitBlock(block(2, "k", "a2"));

            // Each label reads its own versions of k, never the other's; keys of the other label are missing.
            assertThat(a.get(b("k"), 1)).isEqualTo(b("a0"));
            assertThat(a.get(b("k"), 2)).isEqualTo(b("a2"));
            assertThat(other.get(b("k"), 1)).isEqualTo(b("b1"));
            assertThat(other.get(b("k"), 2)).isEqualTo(b("b1"));
            assertThat(a.get(b("only-b"), 2)).isEmpty();
            assertThat(other.get(b("only-a"), 2)).isEmpty();
            // A second view with the same label reads them; the raw keys are label://key.
            assertThat(new LabeledStore(raw, "a").get(b("only-a"), 2)).isEqualTo(b("x"));
            assertThat(raw.get(b("a://k"), 2)).isEqualTo(b("a2"));
            assertThat(raw.get(b("b://only-b"), 2)).isEqualTo(b("y"));
            assertThat(raw.get(b("k"), 2)).isEmpty();
            // Block writes: the guest's keys of the label only.
            assertThat(a.blockWrites(0).keySet()).containsExactly(b("k"), b("only-a"));
            assertThat(a.blockWrites(1)).isEmpty();
            assertThat(other.blockWrites(1).keySet()).containsExactly(b("k"), b("only-b"));
            // The chain index is shared, as in the original.
            assertThat(a.tip()).isEqualTo(other.tip()).hasValue(2);
            assertThat(other.blockHash(0).orElseThrow())
                    .isEqualTo(a.blockHash(0).orElseThrow());
            assertThat(other.stateRoot(2).orElseThrow())
                    .isEqualTo(raw.stateRoot(2).orElseThrow());

            // The first block recorded label a: b and no label are refused, a passes.
            assertThat(raw.meta(LabeledStore.META_LABEL))
                    .hasValueSatisfying(v -> assertThat(v).isEqualTo(b("a")));
            LabeledStore.check(raw, "a");
            for (String wrong : new String[] {"b", null}) {
                assertThatThrownBy(() -> LabeledStore.check(raw, wrong))
                        .isInstanceOfSatisfying(
                                JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INPUT))
                        .hasMessageContaining("--label a");
            }
            // Rollback goes through the label to the one store.
            a.rollbackTo(0);
            assertThat(other.get(b("k"), 5)).isEmpty();
            assertThat(a.get(b("k"), 5)).isEqualTo(b("a0"));
        }
        for (String bad : new String[] {"", "a:b", "x://y", "tab\t"}) {
            assertThatThrownBy(() -> new LabeledStore(null, bad))
                    .as(bad)
                    .isInstanceOfSatisfying(
                            JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INPUT));
        }
    }

    static String[] index(String db, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "index",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.indexer(),
                "--db-path",
                db,
                "--blocks",
                CliTest.repo().resolve("sample/blocks").toString(),
                "--memory-commit",
                "off",
                "--exit-at",
                "83637")); // blocks 0 and 83636: enough to compare, and seconds, not a minute
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    static CliTest.Run view(String db, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "view",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.indexer(),
                "--db",
                db,
                "--function",
                "stats",
                "--input",
                CliTest.u32hex(83636),
                "--height",
                "83636"));
        args.addAll(List.of(more));
        return CliTest.jshrew(args.toArray(String[]::new));
    }

    @Test
    void aLabelledDatabaseHasTheUnlabelledRootsAndRefusesAnotherLabel() {
        String labelled = temp.resolve("labelled").toString();
        String plain = temp.resolve("plain").toString();
        CliTest.Run first = CliTest.jshrew(index(labelled, "--label", "alkanes"));
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(CliTest.jshrew(index(plain)).code()).isZero();

        try (KeyValueStore l = Storages.open(Path.of(labelled), StorageProvider.Access.READ_ONLY);
                KeyValueStore p = Storages.open(Path.of(plain), StorageProvider.Access.READ_ONLY)) {
            assertThat(l.tip()).isEqualTo(p.tip()).hasValue(83636);
            for (long h : new long[] {0, 83636}) {
                // The root is jshrew's over the guest's keys: equal to the unlabelled database's, never zero.
                assertThat(l.stateRoot(h).orElseThrow())
                        .as("root " + h)
                        .isEqualTo(p.stateRoot(h).orElseThrow());
                assertThat(l.stateRoot(h).orElseThrow()).isNotEqualTo(new byte[32]);
                assertThat(l.blockHash(h).orElseThrow())
                        .isEqualTo(p.blockHash(h).orElseThrow());
                NavigableMap<byte[], byte[]> raw = l.blockWrites(h);
                assertThat(raw).isNotEmpty();
                assertThat(raw.keySet())
                        .allMatch(k -> new String(k, StandardCharsets.ISO_8859_1).startsWith("alkanes://"));
                NavigableMap<byte[], byte[]> mine = new LabeledStore(l, "alkanes").blockWrites(h);
                assertThat(mine.keySet())
                        .containsExactlyElementsOf(p.blockWrites(h).keySet());
                assertThat(mine.values())
                        .containsExactlyElementsOf(p.blockWrites(h).values());
            }
        }

        // Views with the label read the labelled keys, and see what the unlabelled database's views see.
        CliTest.Run labelledView = view(labelled, "--label", "alkanes");
        assertThat(labelledView.code()).as(labelledView.err()).isZero();
        CliTest.Run plainView = view(plain);
        assertThat(labelledView.out()).isEqualTo(plainView.out()).isNotBlank();

        // Another label, or none, is refused clearly, and changes nothing.
        for (String[] wrong : new String[][] {{"--label", "other"}, {}}) {
            CliTest.Run again = CliTest.jshrew(index(labelled, wrong));
            assertThat(again.code()).isEqualTo(ErrorCode.INPUT.exitCode());
            assertThat(again.err()).contains("--label alkanes");
            CliTest.Run v = view(labelled, wrong);
            assertThat(v.code()).isEqualTo(ErrorCode.INPUT.exitCode());
            assertThat(v.err()).contains("--label alkanes");
        }
        CliTest.Run labelOnPlain = CliTest.jshrew(index(plain, "--label", "alkanes"));
        assertThat(labelOnPlain.code()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(labelOnPlain.err()).contains("without a label");
    }
}
